package tray

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/tributary-mail/tributary/assets"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestMain(m *testing.M) { guitest.Main(m) }

func TestTrayIconShowsTheCount(t *testing.T) {
	if icon(0) != assets.Icon {
		t.Error("tray icon with nothing unread is not the plain icon")
	}
	for _, n := range []int{1, 42, 1234} {
		img, err := png.Decode(bytes.NewReader(icon(n).Content()))
		if err != nil {
			t.Fatalf("icon(%d) is not a PNG: %v", n, err)
		}
		// The badge disc is red, with white digits inside it.
		corner := color.NRGBAModel.Convert(img.At(badgeSize-10, 36)).(color.NRGBA)
		if corner.R < 0xc0 || corner.G > 0x60 {
			t.Errorf("icon(%d) has no red badge: %v", n, corner)
		}
		// Inside the disc only the digits are white.
		white, cx, cy := 0, badgeSize-36, 36
		for y := cy - 30; y <= cy+30; y++ {
			for x := cx - 30; x <= cx+30; x++ {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) > 30*30 {
					continue
				}
				if c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA); c.R > 0xf0 && c.G > 0xf0 && c.B > 0xf0 {
					white++
				}
			}
		}
		if white < 50 {
			t.Errorf("icon(%d) badge has %d white pixels, want digits drawn", n, white)
		}
	}
}

// A burst of new mail becomes one notification, sent after notifyDelay.
func TestNotifierSendsOneNotificationPerBurst(t *testing.T) {
	st := guitest.NewStore(t)
	sh := guitest.NewShell(t, test.NewTempApp(t), st)
	tr := New(sh, Actions{})
	ctx := context.Background()
	a := st.AddAccount(t, "Work")
	in, err := st.DB.FolderByRole(ctx, a.ID, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, subj := range []string{"Lunch?", "Minutes"} {
		raw := fmt.Sprintf("From: Ann Sender <ann@example.test>\r\nTo: work@example.test\r\nSubject: %s\r\nMessage-ID: <n%d@x>\r\n\r\nbody\r\n", subj, i)
		id, _, err := st.DB.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: in}, strings.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	test.AssertNotificationSent(t, fyne.NewNotification("2 new messages in 1 account", "Latest from Ann Sender: Minutes"), func() {
		tr.Notify(ids[:1])
		tr.Notify(ids[1:])
		tr.notify.mu.Lock()
		tr.notify.timer.Stop()
		tr.notify.mu.Unlock()
		tr.notify.flush()
	})
}
