package loadtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/PID/stat's times (USER_HZ), 1/100 s on
// every architecture Linux runs Go on.
const clockTick = 10 * time.Millisecond

// ProcessCPU reads the processor time, user and system, that process pid
// has used so far, from /proc (Linux only).
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read the CPU time of process %d: %w", pid, err)
	}
	return parseStat(string(b))
}

// parseStat reads utime and stime, the 14th and 15th fields of a
// /proc/PID/stat line. The second field, the command in parentheses, may
// hold spaces and parentheses itself, so fields are counted after its
// last ")".
func parseStat(line string) (time.Duration, error) {
	end := strings.LastIndexByte(line, ')')
	if end < 0 {
		return 0, fmt.Errorf("not a /proc stat line: %q", line)
	}
	fields := strings.Fields(line[end+1:]) // from field 3, the state
	if len(fields) < 13 {
		return 0, fmt.Errorf("short /proc stat line: %q", line)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat times: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
