package vcard

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tributary-mail/tributary/core"
)

func readFile(t *testing.T, name string) ([]core.Contact, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, problems, err := Read(f)
	if err != nil {
		t.Fatalf("Read(%s) = %v", name, err)
	}
	return list, problems
}

func TestReadRealWorld(t *testing.T) {
	tests := []struct {
		file     string
		want     []core.Contact
		problems int
	}{
		{"google.vcf", []core.Contact{
			{Name: "Ann Doe", Emails: []string{"ann@example.com", "ann.doe@work.example", "ann@other.example"}, Phones: []string{"+1 555-0100"}, Notes: "Met at the conference, 2019\nLikes tea"},
			{Name: "Bob", Emails: []string{"bob@example.com"}},
			{Name: "Phone Only", Phones: []string{"+44 20 7946 0000"}},
		}, 0},
		{"apple.vcf", []core.Contact{
			{Name: "Dr. Jürgen Müller", Emails: []string{"juergen@example.de", "juergen@home.example"}, Phones: []string{"+49 170 1234567"},
				Notes: "Line one\nLine two; with a semicolon and a long tail that Apple folds onto a second line"},
		}, 1}, // the company card has no name and no address
		{"rfc6350.vcf", []core.Contact{
			{Name: "Simon Perreault", Emails: []string{"simon.perreault@viagenie.ca"}, Phones: []string{"+1-418-656-9254;ext=102", "+1-418-262-6501"}},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, problems := readFile(t, tt.file)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%s) =\n%+v\nwant\n%+v", tt.file, got, tt.want)
			}
			if len(problems) != tt.problems {
				t.Errorf("Read(%s) problems = %q, want %d", tt.file, problems, tt.problems)
			}
		})
	}
}

func TestReadProblems(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []core.Contact
		problems string // joined
		err      bool
	}{
		{"no card", "hello\r\n", nil, "", true},
		{"empty", "", nil, "", true},
		{"no END", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\n", nil, "", true},
		{"a bad address is left out", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEMAIL:not an address\r\nEMAIL:a@example.com\r\nEND:VCARD\r\n",
			[]core.Contact{{Name: "A", Emails: []string{"a@example.com"}}}, `card 1 (A): address "not an address" left out`, false},
		{"mailto: and no line break at the end", "\ufeffBEGIN:VCARD\nVERSION:4.0\nFN:B\nEMAIL:mailto:b@example.com\nEND:VCARD",
			[]core.Contact{{Name: "B", Emails: []string{"b@example.com"}}}, "", false},
		{"the name is the address", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:c@example.com\r\nEMAIL:c@example.com\r\nEND:VCARD\r\n",
			[]core.Contact{{Emails: []string{"c@example.com"}}}, "", false},
		{"not UTF-8", "BEGIN:VCARD\r\nFN:\xff\r\nEND:VCARD\r\n", nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, err := Read(strings.NewReader(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("Read(%q) error = %v, want error %v", tt.in, err, tt.err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if p := strings.Join(problems, "|"); !strings.HasPrefix(p, tt.problems) || (tt.problems == "") != (p == "") {
				t.Errorf("Read(%q) problems = %q, want %q", tt.in, p, tt.problems)
			}
		})
	}
}

func TestReadTooLarge(t *testing.T) {
	_, _, err := Read(bytes.NewReader(make([]byte, MaxSize+1)))
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read(a file over MaxSize) = %v, want ErrTooLarge", err)
	}
}

func TestRoundTrip(t *testing.T) {
	list := []core.Contact{
		{Name: "Ann Doe", Emails: []string{"ann@example.com", "ann@work.example"}, Phones: []string{"+1 555 0100"}, Notes: "Comma, semicolon; backslash \\ and\nnew line"},
		{Emails: []string{"nameless@example.com"}},
		{Name: "Zoë Ünicode 日本語 " + strings.Repeat("long name ", 12), Emails: []string{"zoe@example.com"}, Notes: strings.Repeat("ü", 200)},
		{Name: "Phone Only", Phones: []string{"123", "456"}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, list); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for i, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets long, want at most 75: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d cuts a character: %q", i+1, line)
		}
	}
	if !strings.HasPrefix(out, "BEGIN:VCARD\r\nVERSION:4.0\r\n") || !strings.Contains(out, "EMAIL;PREF=1:ann@example.com\r\n") || !strings.Contains(out, `NOTE:Comma\, semicolon; backslash \\ and\nnew line`) {
		t.Errorf("Write =\n%s", out)
	}
	got, problems, err := Read(strings.NewReader(out))
	if err != nil || len(problems) > 0 {
		t.Fatalf("Read(Write) = %v, %q", err, problems)
	}
	want := list
	want[2].Name = strings.TrimSpace(want[2].Name)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read(Write(list)) =\n%+v\nwant\n%+v", got, want)
	}
}

// FuzzRead checks that Read never panics, and that what it reads
// survives Write and Read unchanged.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.vcf"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\\\\;b\\N\r\nEMAIL;PREF=x:a@b.c\r\nEND:VCARD\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		list, _, err := Read(bytes.NewReader(data))
		if err != nil || len(list) == 0 {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, list); err != nil {
			t.Fatalf("Write(Read(%q)) = %v", data, err)
		}
		written := buf.String()
		again, _, err := Read(&buf)
		if err != nil {
			t.Fatalf("Read(Write(Read(%q))) = %v\n%s", data, err, written)
		}
		if !reflect.DeepEqual(again, list) {
			t.Fatalf("Read(Write(Read(%q))) =\n%+v\nwant\n%+v\nwritten:\n%s", data, again, list, written)
		}
	})
}

func TestReadLongProperty(t *testing.T) {
	long := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nPHOTO:" + strings.Repeat("x", 70) + strings.Repeat("\r\n "+strings.Repeat("x", 74), maxLine/74+1) + "\r\nEND:VCARD\r\n"
	if _, _, err := Read(strings.NewReader(long)); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("Read(a folded property over maxLine) = %v, want a refusal", err)
	}
}

func TestUnfold(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"CRLF folding", "NOTE:a\r\n b\r\n\tc\r\nEND:VCARD", "NOTE:abc\r\nEND:VCARD\r\n"},
		{"LF only", "FN:x\n y\n", "FN:xy\r\n\r\n"},
		{"a folded multi-byte character", "FN:J\xc3\r\n \xbcrgen", "FN:Jürgen\r\n"},
		{"a space on the first line is no fold", " FN:x", " FN:x\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unfold([]byte(tt.in))
			if err != nil || string(got) != tt.want {
				t.Errorf("unfold(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// A property folded into very many short lines reads in linear time
// (go-vcard alone joins them one by one); 500,000 folds must not hang.
func TestReadManyFolds(t *testing.T) {
	card := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEMAIL:a@example.com\r\nNOTE:x" + strings.Repeat("\r\n y", 500_000) + "\r\nEND:VCARD\r\n"
	list, _, err := Read(strings.NewReader(card))
	if err != nil || len(list) != 1 || len(list[0].Notes) != 500_001 {
		t.Fatalf("Read(a note folded 500,000 times) = %d contacts, %v", len(list), err)
	}
}
