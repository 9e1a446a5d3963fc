#include <sys/ioctl.h>
#include <sys/socket.h>
