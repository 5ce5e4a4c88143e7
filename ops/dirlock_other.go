//go:build !unix

package ops

import "os"

// tryLock: DataGate runs on Linux; elsewhere a data directory is not
// guarded.
func tryLock(*os.File) (bool, error) { return true, nil }

func unlock(*os.File) error { return nil }
