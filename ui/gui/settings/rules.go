package settings

import (
	"fmt"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/query"
	"github.com/tributary-mail/tributary/core/rules"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// rulesPane is the Settings tab of the rules on arrival: the list in the
// order they apply, and a form to add or change one, test its query on
// the mail stored today, and run it now on a folder. Every change goes
// through the engine.
type rulesPane struct {
	s       *settingsWindow
	list    *fyne.Container
	shown   []rules.Rule
	editing int64 // the ID of the rule in the form; 0 for a new one

	name, match       *widget.Entry
	moveTo, copyTo    *widget.Entry
	read, flag, del   *widget.Check
	stop              *widget.Check
	matchErr, result  *widget.Label
	test, save, clear *widget.Button
	runFolder         *widget.SelectEntry
	runNow            *widget.Button
	content           *fyne.Container
	editor            *container.Scroll
	gen               int
}

// rulesTab builds the tab and reads the rules.
func (s *settingsWindow) rulesTab() fyne.CanvasObject {
	p := &rulesPane{s: s}
	s.rules = p
	p.list = container.NewVBox(widget.NewLabel(lang.L("Reading the rules…")))
	p.name = widget.NewEntry()
	p.name.SetPlaceHolder(lang.L("Announcements"))
	p.match = widget.NewEntry()
	p.match.SetPlaceHolder("from:news@example.com header:List-Id:announce larger:1M") // i18n:ignore (query words)
	p.matchErr = kit.Wrapped("")
	p.matchErr.Importance = widget.DangerImportance
	p.match.OnChanged = func(q string) { p.explain(q) }
	p.moveTo = widget.NewEntry()
	p.moveTo.SetPlaceHolder(lang.L("a folder, or empty"))
	p.copyTo = widget.NewEntry()
	p.copyTo.SetPlaceHolder(lang.L("a folder, or empty"))
	p.read = widget.NewCheck(lang.L("Mark read"), nil)
	p.flag = widget.NewCheck(lang.L("Flag"), nil)
	p.del = widget.NewCheck(lang.L("Delete (to the Trash)"), nil)
	p.stop = widget.NewCheck(lang.L("Stop: apply no later rule"), nil)
	p.result = kit.Wrapped("")
	p.test = widget.NewButtonWithIcon(lang.L("Test"), theme.SearchIcon(), p.testQuery)
	p.save = widget.NewButtonWithIcon(lang.L("Save rule"), theme.DocumentSaveIcon(), p.saveRule)
	p.save.Importance = widget.HighImportance
	p.clear = widget.NewButtonWithIcon(lang.L("New rule"), theme.ContentAddIcon(), p.reset)
	p.runFolder = widget.NewSelectEntry(nil)
	p.runFolder.SetPlaceHolder(lang.L("Inbox"))
	p.runNow = widget.NewButtonWithIcon(lang.L("Run now"), theme.MediaPlayIcon(), p.run)
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Name"), p.name),
		widget.NewFormItem(lang.L("Matches"), p.match),
		widget.NewFormItem(lang.L("Move to"), p.moveTo),
		widget.NewFormItem(lang.L("Copy to"), p.copyTo),
	)
	editor := container.NewVBox(
		widget.NewLabelWithStyle(lang.L("Add or change a rule"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		kit.Wrapped(lang.L("A rule is a search (the same words as the search box) and what to do with the mail it finds as it arrives.")),
		form, p.matchErr,
		container.NewGridWithColumns(2, p.read, p.flag, p.del, p.stop),
		container.NewHBox(p.test, p.save, p.clear),
		p.result,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Run the rule in the form now on")), p.runNow, p.runFolder),
	)
	p.setErr("")
	// Both halves scroll: a long list or a long test result must not
	// squeeze the other.
	p.editor = container.NewVScroll(editor)
	split := container.NewVSplit(container.NewVScroll(p.list), p.editor)
	split.Offset = 0.3
	p.content = container.NewStack(split)
	p.reload()
	return p.content
}

// explain shows what is wrong with a query as it is typed, in the
// parser's words; nothing when it reads.
func (p *rulesPane) explain(q string) {
	msg := ""
	if strings.TrimSpace(q) != "" {
		if _, err := query.Parse(q); err != nil {
			msg = lang.L("The query does not read: {{.Error}}", map[string]any{"Error": err})
		}
	}
	p.setErr(msg)
}

// setErr shows what is wrong with the rule in the form, or hides the line.
func (p *rulesPane) setErr(msg string) {
	p.matchErr.SetText(msg)
	if msg == "" {
		p.matchErr.Hide()
	} else {
		p.matchErr.Show()
	}
	if p.editor != nil {
		p.editor.Refresh() // lay the form out again around the line
	}
}

// reload reads the rules and the folder names.
func (p *rulesPane) reload() { p.readRules(p.s.run) }

// refresh is reload on the engine's EventRules, which comes at any time
// from outside the window: not counted in the window's jobs, as
// settingsWindow.refresh, or a test waiting for the window's own work
// could see its WaitGroup reused while it waits.
func (p *rulesPane) refresh() { p.readRules(p.s.sh.Background) }

// readRules reads the rules and folders again, through run.
func (p *rulesPane) readRules(run func(string, func())) {
	p.gen++
	gen := p.gen
	run("list rules", func() {
		rs, err := p.s.sh.DB.Rules(p.s.sh.Ctx)
		folders, ferr := p.s.sh.DB.Folders(p.s.sh.Ctx)
		p.s.sh.Do(func() {
			if gen != p.gen {
				return
			}
			if err != nil {
				p.result.SetText(lang.L("Cannot read the rules: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			p.show(rs)
			if ferr == nil {
				seen := map[string]bool{}
				var names []string
				for _, f := range folders {
					if !seen[f.Name] {
						seen[f.Name] = true
						names = append(names, f.Name)
					}
				}
				sort.Strings(names)
				p.runFolder.SetOptions(names)
			}
		})
	})
}

func (p *rulesPane) show(rs []rules.Rule) {
	p.shown = rs
	p.list.RemoveAll()
	if len(rs) == 0 {
		p.list.Add(kit.Wrapped(lang.L("No rules yet. Mail stays where it arrives until you add one.")))
	}
	for i, r := range rs {
		label := kit.Wrapped(fmt.Sprintf("%d. %s — %s → %s", i+1, r.Name, r.Match, actionsText(r.Actions)))
		up := widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { p.move(r.Name, -1) })
		down := widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { p.move(r.Name, 1) })
		if i == 0 {
			up.Disable()
		}
		if i == len(rs)-1 {
			down.Disable()
		}
		edit := widget.NewButtonWithIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { p.edit(r) })
		remove := widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), func() { p.remove(r.Name) })
		p.list.Add(container.NewBorder(nil, nil, nil, container.NewHBox(up, down, edit, remove), label))
	}
	p.list.Refresh()
}

// actionsText says what a rule does, for its row.
func actionsText(acts []rules.Action) string {
	var parts []string
	for _, a := range acts {
		switch a.Kind {
		case rules.Move:
			parts = append(parts, lang.L("move to {{.Folder}}", map[string]any{"Folder": a.Folder}))
		case rules.Copy:
			parts = append(parts, lang.L("copy to {{.Folder}}", map[string]any{"Folder": a.Folder}))
		case rules.Read:
			parts = append(parts, lang.L("mark read"))
		case rules.Flag:
			parts = append(parts, lang.L("flag"))
		case rules.Delete:
			parts = append(parts, lang.L("delete"))
		case rules.Stop:
			parts = append(parts, lang.L("stop"))
		}
	}
	return strings.Join(parts, ", ")
}

// edit puts a rule in the form.
func (p *rulesPane) edit(r rules.Rule) {
	p.reset()
	p.editing = r.ID
	p.name.SetText(r.Name)
	p.match.SetText(r.Match)
	for _, a := range r.Actions {
		switch a.Kind {
		case rules.Move:
			p.moveTo.SetText(a.Folder)
		case rules.Copy:
			p.copyTo.SetText(a.Folder)
		case rules.Read:
			p.read.SetChecked(true)
		case rules.Flag:
			p.flag.SetChecked(true)
		case rules.Delete:
			p.del.SetChecked(true)
		case rules.Stop:
			p.stop.SetChecked(true)
		}
	}
}

// reset empties the form for a new rule.
func (p *rulesPane) reset() {
	p.editing = 0
	for _, e := range []*widget.Entry{p.name, p.match, p.moveTo, p.copyTo} {
		e.SetText("")
	}
	for _, c := range []*widget.Check{p.read, p.flag, p.del, p.stop} {
		c.SetChecked(false)
	}
	p.setErr("")
	p.result.SetText("")
}

// formRule is the rule in the form. The actions go in the order the
// rules package applies them anyway; stop comes last.
func (p *rulesPane) formRule() rules.Rule {
	r := rules.Rule{ID: p.editing, Name: strings.TrimSpace(p.name.Text), Match: p.match.Text}
	if f := strings.TrimSpace(p.moveTo.Text); f != "" {
		r.Actions = append(r.Actions, rules.Action{Kind: rules.Move, Folder: f})
	}
	if f := strings.TrimSpace(p.copyTo.Text); f != "" {
		r.Actions = append(r.Actions, rules.Action{Kind: rules.Copy, Folder: f})
	}
	for _, c := range []struct {
		on   bool
		kind rules.ActionKind
	}{{p.read.Checked, rules.Read}, {p.flag.Checked, rules.Flag}, {p.del.Checked, rules.Delete}, {p.stop.Checked, rules.Stop}} {
		if c.on {
			r.Actions = append(r.Actions, rules.Action{Kind: c.kind})
		}
	}
	return r
}

// testQuery shows how many stored messages, and which, the query matches
// today: the same search the search box would make.
func (p *rulesPane) testQuery() {
	q := p.match.Text
	p.result.SetText(lang.L("Searching…"))
	p.s.run("test rule", func() {
		ctx := p.s.sh.Ctx
		n, err := p.s.sh.DB.Count(ctx, storage.ListQuery{Search: q})
		var list []string
		if err == nil && n > 0 {
			ms, lerr := p.s.sh.DB.List(ctx, storage.ListQuery{Search: q, Limit: 5})
			err = lerr
			for _, m := range ms {
				list = append(list, fmt.Sprintf("%s — %s (%s, %s)", m.From(), m.Subject, m.Account, m.Folder))
			}
		}
		p.s.sh.Do(func() {
			if err != nil {
				p.result.SetText("")
				p.setErr(lang.L("The query does not work: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			text := lang.N("Matches {{.Count}} stored messages today.", n, map[string]any{"Count": i18n.Number(n)})
			if len(list) > 0 {
				text += "\n" + strings.Join(list, "\n")
				if more := n - len(list); more > 0 {
					text += "\n" + lang.L("… and {{.Count}} more", map[string]any{"Count": i18n.Number(more)})
				}
			}
			p.result.SetText(text)
			p.editor.Refresh()
		})
	})
}

// saveRule adds or changes the rule in the form. A malformed rule is
// refused with the reason under the query.
func (p *rulesPane) saveRule() {
	r := p.formRule()
	if err := r.Validate(); err != nil {
		p.setErr(lang.L("Not saved: {{.Error}}", map[string]any{"Error": err}))
		return
	}
	p.s.run("save rule", func() {
		saved, err := p.s.sh.Engine.SaveRule(p.s.sh.Ctx, r)
		p.s.sh.Do(func() {
			if err != nil {
				p.setErr(lang.L("Not saved: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			p.editing = saved.ID
			p.setErr("")
			p.result.SetText(lang.L("Saved rule \"{{.Name}}\"; it applies to mail as it arrives.", map[string]any{"Name": saved.Name}))
			p.reload()
		})
	})
}

func (p *rulesPane) move(name string, by int) {
	p.s.run("move rule", func() {
		err := p.s.sh.Engine.MoveRule(p.s.sh.Ctx, name, by)
		p.s.sh.Do(func() {
			if err != nil {
				p.result.SetText(lang.L("Cannot move the rule: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			p.reload()
		})
	})
}

func (p *rulesPane) remove(name string) {
	p.s.run("remove rule", func() {
		err := p.s.sh.Engine.RemoveRule(p.s.sh.Ctx, name)
		p.s.sh.Do(func() {
			if err != nil {
				p.result.SetText(lang.L("Cannot remove the rule: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			if p.editing != 0 && strings.EqualFold(p.name.Text, name) {
				p.reset()
			}
			p.result.SetText(lang.L("Removed rule \"{{.Name}}\".", map[string]any{"Name": name}))
			p.reload()
		})
	})
}

// run applies the saved rule in the form now to a folder (every Inbox
// when none is chosen).
func (p *rulesPane) run() {
	if p.editing == 0 {
		p.result.SetText(lang.L("Save the rule first, or choose one with Edit, to run it now."))
		return
	}
	name, folder := strings.TrimSpace(p.name.Text), strings.TrimSpace(p.runFolder.Text)
	p.result.SetText(lang.L("Running…"))
	p.s.run("run rule", func() {
		n, err := p.s.sh.Engine.RunRule(p.s.sh.Ctx, name, folder)
		p.s.sh.Do(func() {
			where := folder
			if where == "" {
				where = lang.L("every Inbox")
			}
			v := map[string]any{"Name": name, "Folder": where, "Count": i18n.Number(n), "Error": err}
			if err != nil {
				p.result.SetText(lang.N("Ran rule \"{{.Name}}\" on {{.Folder}} ({{.Count}} messages), but: {{.Error}}", n, v))
				return
			}
			p.result.SetText(lang.N("Ran rule \"{{.Name}}\" on {{.Folder}}: {{.Count}} messages matched.", n, v))
			if n > 0 {
				p.s.owner.MailMoved() // the lists show where the mail went
			}
		})
	})
}
