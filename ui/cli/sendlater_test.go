package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

func TestSendTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local)
	tests := []struct {
		name    string
		at      string
		delay   time.Duration
		want    time.Time
		wantErr string
	}{
		{"plain send", "", 0, time.Time{}, ""},
		{"delay", "", 90 * time.Second, now.Add(90 * time.Second), ""},
		{"local time", "2026-12-24T09:00", 0, time.Date(2026, 12, 24, 9, 0, 0, 0, time.Local), ""},
		{"local time with seconds", "2026-12-24T09:00:30", 0, time.Date(2026, 12, 24, 9, 0, 30, 0, time.Local), ""},
		{"local time with a space", "2026-12-24 09:00", 0, time.Date(2026, 12, 24, 9, 0, 0, 0, time.Local), ""},
		{"RFC 3339", "2026-12-24T09:00:00+01:00", 0, time.Date(2026, 12, 24, 8, 0, 0, 0, time.UTC), ""},
		{"both", "2026-12-24T09:00", time.Hour, time.Time{}, "not both"},
		{"negative delay", "", -time.Second, time.Time{}, "negative"},
		{"past", "2026-11-30T09:00", 0, time.Time{}, "not in the future"},
		{"not a time", "tomorrow", 0, time.Time{}, "not a time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := sendTime(tc.at, tc.delay, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("sendTime(%q, %s) = %v, %v; want an error with %q", tc.at, tc.delay, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("sendTime(%q, %s) = %v, %v; want %v", tc.at, tc.delay, got, err, tc.want)
			}
		})
	}
}

var scheduledID = regexp.MustCompile(`^message (\d+) to .* is scheduled for `)

// TestSendAtWaitsForItsTime: send --at queues the message for its time;
// outbox send (as sync does) leaves it until then and sends it after;
// send --delay, then outbox cancel, makes it a draft again, unsent.
func TestSendAtWaitsForItsTime(t *testing.T) {
	f := newEngineFixture(t)
	body := writeTemp(t, "later\n")
	at := time.Now().Add(2 * time.Hour).Truncate(time.Minute)
	out := mustRunOut(t, f.dir, "send", "--at", at.Format("2006-01-02T15:04"), "--from", "box", "--to", "zed@example.test", "--subject", "at nine", "--body-file", body)
	if !scheduledID.MatchString(out) {
		t.Fatalf("send --at printed %q, want it scheduled", out)
	}
	mustRunOut(t, f.dir, "outbox", "send")
	if n := len(f.smtp.Messages()); n != 0 {
		t.Fatalf("outbox send before the time sent %d messages, want none", n)
	}
	if out := mustRunOut(t, f.dir, "outbox"); !strings.Contains(out, "scheduled "+at.Format("2006-01-02T15:04")) {
		t.Errorf("outbox = %q, want the message scheduled for %s", out, at.Format("2006-01-02T15:04"))
	}
	later := func() time.Time { return at.Add(time.Minute) }
	if code, out, errOut := cliRun(t, f.dir, nil, later, "outbox", "send"); code != 0 {
		t.Fatalf("outbox send after the time = %d: %s %s", code, out, errOut)
	}
	if n := len(f.smtp.Messages()); n != 1 {
		t.Fatalf("outbox send after the time sent %d messages, want 1", n)
	}

	out = mustRunOut(t, f.dir, "send", "--delay", "1h", "--from", "box", "--to", "zed@example.test", "--subject", "undone", "--body-file", body)
	m := scheduledID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("send --delay printed %q, want it scheduled", out)
	}
	if out := mustRunOut(t, f.dir, "outbox", "cancel", m[1]); !strings.Contains(out, "is draft") {
		t.Errorf("outbox cancel printed %q", out)
	}
	if code, _, _ := cliRun(t, f.dir, nil, func() time.Time { return time.Now().Add(2 * time.Hour) }, "outbox", "send"); code != 0 || len(f.smtp.Messages()) != 1 {
		t.Errorf("after cancel, outbox send = %d with %d messages at the server; want the cancelled one not sent", code, len(f.smtp.Messages()))
	}
	_, out, _ = run(t, f.dir, nil, "outbox", "--json")
	var items []outboxJSON
	if err := json.Unmarshal([]byte(out), &items); err != nil || len(items) != 1 || items[0].State != string(core.OutboxSent) || items[0].NotBefore == "" {
		t.Errorf("outbox = %s, want only the sent message, with its time", out)
	}
	if code, _, errOut := run(t, f.dir, nil, "outbox", "cancel", fmt.Sprint(items[0].ID)); code == 0 || !strings.Contains(errOut, "already sent") {
		t.Errorf("outbox cancel of a sent message = %d, %q; want it refused as already sent", code, errOut)
	}
}
