package demo

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// person is a correspondent of the demo mail.
type person struct{ name, addr string }

func (p person) String() string {
	return mime.QEncoding.Encode("utf-8", p.name) + " <" + p.addr + ">"
}

var people = []person{
	{"Alice Martin", "alice@riverside.example"},
	{"Bashir Rahimi", "bashir@riverside.example"},
	{"Chloé Durand", "chloe@atelier.example"},
	{"Dmitri Volkov", "dmitri@northwind.example"},
	{"Eva Schmidt", "eva.schmidt@bergwerk.example"},
	{"Farah Haddad", "farah@sahel.example"},
	{"Gideon Levi", "gideon@carmel.example"},
	{"Hana Suzuki", "hana@sakura.example"},
	{"Ines Moreira", "ines@lisboa.example"},
	{"Jun Wei", "jun.wei@changjiang.example"},
	{"Kwame Mensah", "kwame@accra.example"},
	{"Lena Johansson", "lena@fjord.example"},
}

// A few of the correspondents write in their own language and script.
type foreign struct {
	from          int // index into people
	subject, body string
}

var foreignMail = []foreign{
	{4, "Einladung zum Sommerfest 🎉", "Liebe Kolleginnen und Kollegen,\n\nam Freitag feiern wir unser Sommerfest im Hof. Für Getränke ist gesorgt; bringt gern einen Salat mit.\n\nViele Grüße\nEva"},
	{2, "Réunion de jeudi — ordre du jour", "Bonjour à tous,\n\nVoici l'ordre du jour : bilan du trimestre, budget, questions diverses.\nMerci de confirmer votre présence.\n\nChloé"},
	{7, "来週の打ち合わせについて", "お疲れ様です。\n\n来週の打ち合わせは水曜日の午後二時からに変更になりました。資料は前日までにお送りします。\n\nよろしくお願いいたします。\n鈴木"},
	{9, "项目进度更新", "大家好，\n\n本周我们完成了数据迁移的第一阶段，下周开始测试。如有问题请随时联系我。\n\n谢谢！\n魏军"},
	{5, "موعد الاجتماع القادم", "مرحباً،\n\nنود تأكيد موعد الاجتماع يوم الأحد القادم في الساعة العاشرة صباحاً. يرجى إحضار التقرير الشهري.\n\nمع التحية،\nفرح"},
	{6, "סיכום הפגישה", "שלום לכולם,\n\nמצורף סיכום קצר של הפגישה מאתמול. המשימות חולקו, ונפגש שוב בשבוע הבא.\n\nתודה,\nגדעון"},
	{3, "Отчёт за ноябрь", "Добрый день!\n\nОтправляю отчёт за ноябрь. Продажи выросли на двенадцать процентов, подробности в таблице.\n\nС уважением,\nДмитрий"},
	{8, "Fotos da viagem", "Olá!\n\nJá estão online as fotos da viagem ao Porto. Foi um fim de semana maravilhoso, obrigado a todos!\n\nBeijinhos,\nInês"},
	{7, "Re: 桜の季節", "今年の桜はとても綺麗でした。写真を何枚か撮ったので、今度お見せしますね。"},
	{10, "Akwaaba to the team", "Hello everyone,\n\nMe din de Kwame. I am happy to join you, and I look forward to working together.\n\nMedaase!"},
}

var topics = []string{
	"quarterly plan", "the garden project", "Friday's release", "the offsite", "budget review",
	"the new office", "hiring", "the conference talk", "customer feedback", "the book club",
	"the migration", "holiday schedule", "the server move", "design review", "the hackathon",
}

var lines = []string{
	"Thanks for sending this over so quickly.",
	"I had a look and have a few small comments below.",
	"Can we move the meeting to Thursday afternoon?",
	"The numbers look good, but the second chart needs a legend.",
	"Let me know if you need anything else from me.",
	"I agree with Alice; let's keep it simple for the first version.",
	"Attached is the latest draft; changes are highlighted.",
	"Sorry for the late reply, I was travelling all week.",
	"That works for me. See you there!",
	"We should ask the others before we decide.",
	"Great news, congratulations to the whole team.",
	"I will prepare the slides tonight.",
}

var newsletters = []struct{ from, title, color string }{
	{"The Weekly Bulletin <news@bulletin.example>", "This week in open source", "#0b6e4f"},
	{"Trail & Summit <hello@trailsummit.example>", "Autumn gear guide", "#a44200"},
	{"Kitchen Notes <recipes@kitchennotes.example>", "Five soups for cold evenings", "#6a4c93"},
	{"City Library <events@library.example>", "Readings and workshops this month", "#1d3557"},
}

// builder writes one RFC 5322 message with CRLF line ends.
type builder struct{ b bytes.Buffer }

func (m *builder) header(k, v string) { fmt.Fprintf(&m.b, "%s: %s\r\n", k, v) }
func (m *builder) line(s string)      { m.b.WriteString(s + "\r\n") }

// text writes s as quoted-printable lines.
func (m *builder) text(s string) {
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	w.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
	w.Close()
	m.b.Write(qp.Bytes())
	m.b.WriteString("\r\n")
}

// base64 writes data in 76-column base64 lines.
func (m *builder) base64(data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		m.line(enc[:76])
		enc = enc[76:]
	}
	m.line(enc)
}

// seeder makes the demo mailboxes. The same seed and base time give the
// same messages byte for byte.
type seeder struct {
	r    *rand.Rand
	base time.Time
	to   string
	n    int // messages made, for Message-IDs and dates

	attachments int // messages with attachments made
}

func newSeeder(seed uint64, base time.Time, to string) *seeder {
	return &seeder{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: base, to: to}
}

// date spreads the messages over the 60 days before base, older first.
func (s *seeder) date(total int) time.Time {
	back := time.Duration(total-s.n) * 60 * 24 * time.Hour / time.Duration(total+1)
	jitter := time.Duration(s.r.IntN(3600)) * time.Second
	return s.base.Add(-back - jitter)
}

func (s *seeder) start(m *builder, from, subject string, date time.Time) string {
	s.n++
	id := fmt.Sprintf("<demo-%s-%04d@tributary.example>", strings.SplitN(s.to, "@", 2)[0], s.n)
	m.header("Date", date.Format(time.RFC1123Z))
	m.header("From", from)
	m.header("To", s.to)
	m.header("Subject", mime.QEncoding.Encode("utf-8", subject))
	m.header("Message-ID", id)
	m.header("MIME-Version", "1.0")
	return id
}

// mailbox makes n messages of every kind, oldest first.
func (s *seeder) mailbox(n int) [][]byte {
	var out [][]byte
	for len(out) < n {
		switch k := s.n % 10; {
		case k < 4:
			out = append(out, s.conversation(n)...)
		case k < 6:
			out = append(out, s.newsletter(n))
		case k < 8:
			// One attachment message in 25 is a large one: a few per mailbox.
			s.attachments++
			out = append(out, s.attachment(n, s.attachments%25 == 3))
		default:
			out = append(out, s.foreign(n))
		}
	}
	return out[:n]
}

// conversation is a thread of two to five messages, each answering the
// one before with In-Reply-To and References.
func (s *seeder) conversation(total int) [][]byte {
	topic := topics[s.r.IntN(len(topics))]
	subject := "About " + topic
	var out [][]byte
	var refs []string
	for i := range 2 + s.r.IntN(4) {
		var m builder
		from := people[s.r.IntN(len(people))]
		subj := subject
		if i > 0 {
			subj = "Re: " + subject
		}
		id := s.start(&m, from.String(), subj, s.date(total))
		if len(refs) > 0 {
			m.header("In-Reply-To", refs[len(refs)-1])
			m.header("References", strings.Join(refs, " "))
		}
		m.header("Content-Type", "text/plain; charset=utf-8")
		m.header("Content-Transfer-Encoding", "quoted-printable")
		m.line("")
		var body strings.Builder
		fmt.Fprintf(&body, "Hi,\n\n")
		for range 1 + s.r.IntN(4) {
			body.WriteString(lines[s.r.IntN(len(lines))] + " ")
		}
		fmt.Fprintf(&body, "\n\n%s\n", strings.Fields(from.name)[0])
		if i > 0 {
			body.WriteString("\n> " + lines[s.r.IntN(len(lines))] + "\n")
		}
		m.text(body.String())
		refs = append(refs, id)
		out = append(out, m.b.Bytes())
	}
	return out
}

// newsletter is an HTML message with a plain-text alternative and a
// remote image, which the reader blocks until asked.
func (s *seeder) newsletter(total int) []byte {
	nl := newsletters[s.r.IntN(len(newsletters))]
	var m builder
	issue := 100 + s.n
	s.start(&m, nl.from, fmt.Sprintf("%s — issue %d", nl.title, issue), s.date(total))
	m.header("List-Unsubscribe", "<https://example.com/unsubscribe>")
	m.header("Content-Type", `multipart/alternative; boundary="nl-alt"`)
	m.line("")
	m.line("--nl-alt")
	m.line("Content-Type: text/plain; charset=utf-8")
	m.line("Content-Transfer-Encoding: quoted-printable")
	m.line("")
	var text, html strings.Builder
	fmt.Fprintf(&text, "%s, issue %d\n\n", nl.title, issue)
	fmt.Fprintf(&html, `<html><body style="font-family:sans-serif;margin:0"><table width="100%%" cellpadding="16"><tr><td style="background:%s;color:white"><h1>%s</h1><p>Issue %d</p></td></tr>`, nl.color, nl.title, issue)
	for i := range 3 {
		topic := topics[s.r.IntN(len(topics))]
		line := lines[s.r.IntN(len(lines))]
		fmt.Fprintf(&text, "%d. On %s\n%s\n\n", i+1, topic, line)
		fmt.Fprintf(&html, `<tr><td><h2>%d. On %s</h2><p>%s <a href="https://example.com/article/%d">Read more</a></p></td></tr>`, i+1, topic, line, i)
	}
	html.WriteString(`<tr><td><img src="https://example.com/banner.png" alt="Banner" width="600"></td></tr>`)
	html.WriteString(`<tr><td style="font-size:small;color:#666">You get this because you subscribed. <a href="https://example.com/unsubscribe">Unsubscribe</a></td></tr></table></body></html>`)
	m.text(text.String())
	m.line("--nl-alt")
	m.line("Content-Type: text/html; charset=utf-8")
	m.line("Content-Transfer-Encoding: quoted-printable")
	m.line("")
	m.text(html.String())
	m.line("--nl-alt--")
	return m.b.Bytes()
}

// attachment is a message with a CSV and a PNG attached; a large one
// carries a few megabytes of data instead.
func (s *seeder) attachment(total int, large bool) []byte {
	from := people[s.r.IntN(len(people))]
	var m builder
	subject := "Files for " + topics[s.r.IntN(len(topics))]
	if large {
		subject = "Large file: the full photo archive"
	}
	s.start(&m, from.String(), subject, s.date(total))
	m.header("Content-Type", `multipart/mixed; boundary="att-mixed"`)
	m.line("")
	m.line("--att-mixed")
	m.line("Content-Type: text/plain; charset=utf-8")
	m.line("Content-Transfer-Encoding: quoted-printable")
	m.line("")
	m.text("Hello,\n\nhere are the files we talked about.\n\n" + strings.Fields(from.name)[0] + "\n")
	if large {
		data := make([]byte, 2<<20+s.r.IntN(1<<20))
		var key [32]byte
		binary.LittleEndian.PutUint64(key[:], s.r.Uint64())
		rand.NewChaCha8(key).Read(data) // never fails
		m.line("--att-mixed")
		m.line(`Content-Type: application/zip; name="archive.zip"`)
		m.line(`Content-Disposition: attachment; filename="archive.zip"`)
		m.line("Content-Transfer-Encoding: base64")
		m.line("")
		m.base64(data)
	} else {
		var csv strings.Builder
		csv.WriteString("month,visitors,signups\r\n")
		for i := range 12 {
			fmt.Fprintf(&csv, "%d,%d,%d\r\n", i+1, 1000+s.r.IntN(9000), s.r.IntN(500))
		}
		m.line("--att-mixed")
		m.line(`Content-Type: text/csv; charset=utf-8; name="figures.csv"`)
		m.line(`Content-Disposition: attachment; filename="figures.csv"`)
		m.line("Content-Transfer-Encoding: base64")
		m.line("")
		m.base64([]byte(csv.String()))
		m.line("--att-mixed")
		m.line(`Content-Type: image/png; name="chart.png"`)
		m.line(`Content-Disposition: attachment; filename="chart.png"`)
		m.line("Content-Transfer-Encoding: base64")
		m.line("")
		m.base64(demoPNG)
	}
	m.line("--att-mixed--")
	return m.b.Bytes()
}

// foreign is a message in another language and script: German, French,
// Japanese, Chinese, Arabic, Hebrew, Russian, Portuguese, Twi.
func (s *seeder) foreign(total int) []byte {
	f := foreignMail[s.r.IntN(len(foreignMail))]
	var m builder
	s.start(&m, people[f.from].String(), f.subject, s.date(total))
	m.header("Content-Type", "text/plain; charset=utf-8")
	m.header("Content-Transfer-Encoding", "8bit")
	m.line("")
	for _, l := range strings.Split(f.body, "\n") {
		m.line(l)
	}
	return m.b.Bytes()
}

// demoPNG is a 1×1 PNG, enough for an attachment to open.
var demoPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
