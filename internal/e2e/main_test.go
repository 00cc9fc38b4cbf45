package e2e

import (
	"os"
	"testing"

	"github.com/emprises/emprises/internal/pgtest"
)

// TestMain gives the tests a private PostGIS cluster (or TEST_DATABASE_URL); each test
// gets its own seeded database.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
