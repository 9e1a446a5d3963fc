# docker/ - the classroom docker topology (SEED's Labsetup names).
#
#   make docker-check     base image, lab image, topology up, checks, down
#   make docker-up        the topology, with the private networks of task 8
#   make docker-down
#   make docker-shell HOST=u
#   make docker-image     rebuild the lab image from the tree

.PHONY: docker-check docker-up docker-down docker-shell docker-image docker-base

docker-base:
	@docker/lab-docker.sh base

docker-image:
	@docker/lab-docker.sh image

docker-check:
	@docker/check.sh

docker-up:
	@docker/lab-docker.sh up --private

docker-down:
	@docker/lab-docker.sh down

docker-shell:
	@docker/lab-docker.sh shell $(or $(HOST),u)
