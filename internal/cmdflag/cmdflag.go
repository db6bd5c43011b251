// Package cmdflag holds what the kit's commands (noncekit user, csp
// suggest) need of flag parsing beyond the flag package.
package cmdflag

import "flag"

// Parse parses fs's flags wherever they stand among the positional
// arguments (`user add EMAIL --operator` as well as `user add --operator
// EMAIL`), and returns the positional ones in order; the flag package
// alone stops at the first positional argument.
func Parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
