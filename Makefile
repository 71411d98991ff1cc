# Shortcuts for the two scripts the README gives; they need nothing but bash.
.PHONY: run test bench servers-stop

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

bench:
	bash scripts/bench.sh

servers-stop:
	bash scripts/mailservers.sh stop
