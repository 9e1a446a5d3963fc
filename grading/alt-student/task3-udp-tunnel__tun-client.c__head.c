#include <net/route.h>
#include <sys/ioctl.h>
