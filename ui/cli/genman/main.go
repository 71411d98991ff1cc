// Command genman writes tributary(1), the manual page, from the CLI's own
// command table: go run ./ui/cli/genman -version 0.1.0 > tributary.1.
// scripts/package.sh runs it for the .deb.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/tributary-mail/tributary/ui/cli"
	"github.com/tributary-mail/tributary/ui/i18n"
)

func main() {
	version := flag.String("version", cli.Version, "version for the page footer")
	date := flag.String("date", time.Now().UTC().Format("2006-01-02"), "date for the page footer")
	flag.Parse()
	// The page is English whatever language the build machine has.
	i18n.Use("en")
	if err := cli.ManPage(os.Stdout, *version, *date); err != nil {
		fmt.Fprintln(os.Stderr, "genman:", err)
		os.Exit(1)
	}
}
