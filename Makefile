# The two commands a newcomer needs on a fresh Debian or Ubuntu machine
# (as root, or with sudo available):
#   make run    builds and starts the app
#   make test   installs what is missing and runs every check and test
.PHONY: run test build deps-build deps-test servers-stop

run: deps-build
	go build -o tributary .
	./tributary

build: deps-build
	go build -o tributary .

test: deps-test
	bash scripts/test.sh

deps-build:
	bash scripts/deps.sh build

deps-test:
	bash scripts/deps.sh test

servers-stop:
	bash scripts/mailservers.sh stop
