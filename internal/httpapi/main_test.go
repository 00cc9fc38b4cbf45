package httpapi

import (
	"os"
	"testing"

	"github.com/emprises/emprises/internal/pgtest"
)

// TestMain gives the package's tests a private PostGIS cluster (or TEST_DATABASE_URL); each
// test gets its own freshly migrated database from pgtest.NewDB.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
