package slack

import "time"

// SetUserWait shortens how long requests wait for users.info, so a test of
// the fallback does not take a second.
func SetUserWait(a *Adapter, d time.Duration) { a.userWait = d }
