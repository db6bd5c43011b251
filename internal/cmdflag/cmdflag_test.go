package cmdflag

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		args []string
		pos  []string
		on   bool
	}{
		{[]string{"add", "--operator", "a@example.com"}, []string{"add", "a@example.com"}, true},
		{[]string{"add", "a@example.com", "--operator"}, []string{"add", "a@example.com"}, true},
		{[]string{"list"}, []string{"list"}, false},
		{nil, nil, false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		on := fs.Bool("operator", false, "")
		pos, err := Parse(fs, tt.args)
		require.NoError(t, err, "%q", tt.args)
		assert.Equal(t, tt.pos, pos, "%q", tt.args)
		assert.Equal(t, tt.on, *on, "%q", tt.args)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, err := Parse(fs, []string{"add", "--nope"})
	assert.Error(t, err, "an unknown flag is an error")
}
