package fynelocale

import "testing"

func TestLanguages(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		ok   bool
	}{
		{"unset", map[string]string{}, "", false},
		{"C", map[string]string{"LANG": "C"}, "", false},
		{"POSIX", map[string]string{"LANG": "POSIX"}, "", false},
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "en", true},
		{"C.utf8 in LC_ALL", map[string]string{"LC_ALL": "C.utf8", "LANG": "de_DE.UTF-8"}, "en", true},
		{"POSIX.UTF-8 in LC_MESSAGES", map[string]string{"LC_MESSAGES": "POSIX.UTF-8"}, "en", true},
		{"a real locale", map[string]string{"LANG": "de_DE.UTF-8"}, "", false},
		{"LC_ALL wins", map[string]string{"LC_ALL": "fr_FR.UTF-8", "LANG": "C.UTF-8"}, "", false},
		{"modifier", map[string]string{"LANG": "de_DE@euro"}, "de_DE", true},
		{"LANGUAGE already good", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "de:en"}, "", false},
		{"LANGUAGE with a bad entry", map[string]string{"LANG": "de_DE.UTF-8", "LANGUAGE": "sr@latin:C:de"}, "sr:de", true},
		{"LANGUAGE ignored under C", map[string]string{"LANG": "C", "LANGUAGE": "C.UTF-8"}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Languages(func(k string) string { return tc.env[k] })
			if got != tc.want || ok != tc.ok {
				t.Errorf("Languages(%v) = %q, %v; want %q, %v", tc.env, got, ok, tc.want, tc.ok)
			}
		})
	}
}
