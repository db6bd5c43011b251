package showcase

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/crypto/bcrypt"
)

func TestDemoHash(t *testing.T) {
	assert.NoError(t, bcrypt.CompareHashAndPassword([]byte(demoHash), []byte(DemoPassword)))
}
