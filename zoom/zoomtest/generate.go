package zoomtest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GenOptions configures Generate. Zero fields take the defaults noted.
type GenOptions struct {
	// Participants is the number of participant rows (join segments, so
	// rejoins and waiting-room rows count), 1 to 10,000; 0 means 25.
	Participants int
	// Seed makes the meeting: the same options give the same meeting.
	Seed int64
	// Start is the meeting's start; zero means 2025-03-03T15:00:00Z.
	Start time.Time
	// Length is the meeting's length; zero means one hour.
	Length time.Duration
	// Webinar generates a webinar (Type 5) instead of a meeting (Type 2).
	Webinar bool
	// UUID overrides the generated instance UUID.
	UUID string
	// Topic overrides the generated topic.
	Topic string
	// AllFields fills in every participant field of Zoom's spec that the
	// plain generator leaves out: client, device name, MAC address, disk ID,
	// browser, video and screen-share connection types, quality ratings,
	// sharing and recording flags, SIP URIs, Zoom Rooms head counts, phone
	// calls (audio_call and PhoneNumber), groupId, archiving, join cost and
	// the AI Companion disclaimer, with values from the spec's enums and
	// optional fields sometimes left out; webinars get panelists. The draws
	// come from a separate stream, so every other field is the same as
	// without AllFields.
	AllFields bool
}

// Generate returns a realistic ended meeting, deterministic for its options.
// Its rows (sorted by join time) include: the host; signed-in members with
// an id and email; registrants (registrant_id, typed email, no user id);
// guests and external users with no id or email; rejoins (a new user_id and
// participant_uuid per segment); one person on two devices at once
// (overlapping segments); waiting-room rows (status in_waiting_room), some
// for people never admitted; rows with no leave time; late joiners and
// early leavers; names and leave reasons containing HTML, <script> and
// "<br>" as Zoom writes it; and non-ASCII names (NFC and NFD variants of
// one name, CJK, Greek, Arabic, emoji, odd white space). The UUID comes from
// UUID(Seed), so some seeds give UUIDs with "/", "//", "+" and "=".
func Generate(opts GenOptions) Meeting {
	n := opts.Participants
	if n <= 0 {
		n = 25
	}
	n = min(n, 10_000)
	start := opts.Start
	if start.IsZero() {
		start = time.Date(2025, 3, 3, 15, 0, 0, 0, time.UTC)
	}
	start = start.UTC()
	length := opts.Length
	if length <= 0 {
		length = time.Hour
	}
	end := start.Add(length)
	g := &generator{r: rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed_2007)), start: start, end: end,
		webinar: opts.Webinar}
	if opts.AllFields {
		g.x = rand.New(rand.NewPCG(uint64(opts.Seed), 0xa11_f1e1d5))
	}

	m := Meeting{
		UUID:      opts.UUID,
		ID:        80_000_000_000 + g.r.Int64N(9_999_999_999),
		Topic:     opts.Topic,
		HostID:    g.zoomID(),
		HostName:  "Hana Host",
		HostEmail: "hana.host@example.com",
		AccountID: g.zoomID(),
		Timezone:  "America/New_York",
		Type:      2,
		Webinar:   opts.Webinar,
		Start:     start,
		End:       end,
	}
	if m.UUID == "" {
		m.UUID = UUID(uint64(opts.Seed))
	}
	if opts.Webinar {
		m.Type = 5
	}
	if m.Topic == "" {
		m.Topic = topics[g.r.IntN(len(topics))]
	}

	host := person{name: m.HostName, email: m.HostEmail, userID: m.HostID, role: "host"}
	rows := []Participant{g.segment(host, start, &end, "Host ended the meeting.", "in_meeting")}
	for k := 0; len(rows) < n; k++ {
		rows = append(rows, g.person(k)...)
	}
	rows = rows[:n]
	slices.SortStableFunc(rows, func(a, b Participant) int { return a.Join.Compare(b.Join) })
	m.Participants = rows
	return m
}

// UUID returns a Zoom-like instance UUID for seed: base64 of 16 bytes, 24
// characters ending in "==". Over many seeds some begin with "/", some
// contain "//", "+" or "/" (about 1 in 64 begins with "/", 1 in 200 has "//").
func UUID(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 0x2007))
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return base64.StdEncoding.EncodeToString(b)
}

type generator struct {
	r          *rand.Rand
	x          *rand.Rand // AllFields only; nil otherwise
	start, end time.Time
	seq        int
	webinar    bool
}

type person struct {
	name, email, userID, registrantID, customerKey, role string
}

var (
	topics     = []string{"Weekly sync", "Onboarding <b>cohort</b> 7", "Quarterly review", "Office hours", "Team retro & planning", "Lecture 12: Graphs"}
	firstNames = []string{"Ada", "Ben", "Chloé", "Dmitri", "Elif", "Farah", "Gus", "Hiro", "Ines", "Jamal", "Kai", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vic", "Wen", "Ximena", "Yusuf", "Zoe"}
	lastNames  = []string{"Adams", "Brown", "Chen", "Diaz", "Eriksen", "Fischer", "García", "Haddad", "Ito", "Jones", "Kowalski", "López", "Müller", "Nguyen", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Wójcik", "Yilmaz", "Zhang"}
	// oddNames are hard for sanitizing, matching and CSV export. The two
	// José entries are the same name in NFC and NFD.
	oddNames = []string{
		"Jos\u00e9 Garc\u00eda", "Jose\u0301 Garci\u0301a", "山田 太郎", "김민준", "Zoë 🎉 Party",
		"Αλέξανδρος Παπαδόπουλος", "محمد علي", "  Extra   Spaces  ", "<b>Bold</b> Bob",
		"<script>alert('pwned')</script>", "Tom & Jerry", `O'Brien "Ted"`, "=SUM(A1:A9)",
		"@admin", "-1+1", "<img src=x onerror=alert(1)>", "Ünal Öztürk", "👩‍💻 Dev",
	}
	leaveReasons = []string{
		"Host ended the meeting.", "Host closed the meeting.", "Network connection error.",
		"Removed by host.", "Unknown reason.", "left the meeting.", "got disconnected from the meeting.",
	}
	devices = []struct{ device, os, version string }{
		{"Windows", "Windows 11", "6.3.11.60501"}, {"Mac", "macOS 14.5", "6.2.5.35112"},
		{"iOS", "iOS 17.4", "6.1.0.22114"}, {"Android", "Android 14", "6.0.12.21090"},
		{"Web", "Chrome 126", "6.3.0"}, {"Phone", "", ""}, {"H.323/SIP", "", ""},
	}
	locations = []string{"New York (US)", "San Jose (US)", "London (GB)", "São Paulo (BR)", "東京 (JP)", "Berlin (DE)"}
)

// person emits one person's rows.
func (g *generator) person(k int) []Participant {
	r := g.r
	p := person{name: g.name()}
	switch x := r.IntN(100); {
	case x < 40: // signed-in member of the account
		p.userID = g.zoomID()
		p.email = emailFor(p.name, k, "example.com")
	case x < 60: // registrant: typed email, no user id
		p.registrantID = g.zoomID()
		p.email = emailFor(p.name, k, "mail.example.org")
	case x < 85: // guest: no id, no email
	case x < 95: // external signed-in user: id and email hidden since 2023-03
	default: // Meeting SDK user
		p.customerKey = "ck-" + strconv.Itoa(k)
	}

	join := g.start.Add(time.Duration(r.Int64N(int64(5 * time.Minute))))
	if r.IntN(5) == 0 { // late joiner
		join = g.start.Add(time.Duration(r.Int64N(int64(g.end.Sub(g.start) / 2))))
	}
	leave := g.end.Add(-time.Duration(r.Int64N(int64(30 * time.Second))))
	if r.IntN(6) == 0 { // early leaver
		leave = join.Add(time.Duration(r.Int64N(int64(g.end.Sub(join)))))
	}

	var rows []Participant
	// Webinars have no waiting room: their dashboard rows carry no status.
	switch x := r.IntN(100); {
	case x < 3 && !g.webinar: // never admitted from the waiting room
		l := join.Add(time.Duration(1+r.IntN(300)) * time.Second)
		return []Participant{g.segment(p, join, &l, "Removed by host from waiting room.", "in_waiting_room")}
	case x < 13 && !g.webinar: // waited, then admitted
		admit := join.Add(time.Duration(5+r.IntN(120)) * time.Second)
		rows = append(rows, g.segment(p, join, &admit, "Leave waiting room.", "in_waiting_room"))
		join = admit
		if !leave.After(join) { // an early leaver admitted late still stays a moment
			leave = join.Add(time.Duration(1+r.IntN(60)) * time.Second)
		}
	}
	switch x := r.IntN(100); {
	case x < 15 && leave.Sub(join) > 4*time.Minute: // rejoins: two or three segments
		parts := 2 + r.IntN(2)
		span := leave.Sub(join) / time.Duration(parts)
		for i := range parts {
			s := join.Add(span * time.Duration(i))
			e := s.Add(span - time.Duration(10+r.IntN(50))*time.Second)
			reason := "got disconnected from the meeting."
			if i == parts-1 {
				e, reason = leave, leaveReasons[r.IntN(len(leaveReasons))]
			}
			rows = append(rows, g.segment(p, s, &e, reason, "in_meeting"))
		}
	case x < 20 && leave.Sub(join) > 4*time.Minute: // two devices at once
		rows = append(rows, g.segment(p, join, &leave, leaveReasons[0], "in_meeting"))
		s := join.Add(leave.Sub(join) / 4)
		e := s.Add(leave.Sub(join) / 2)
		second := g.segment(p, s, &e, "left the meeting.", "in_meeting")
		second.Device, second.OS, second.Version = "Phone", "", ""
		if g.x != nil {
			g.fill(&second)
		}
		rows = append(rows, second)
	default:
		rows = append(rows, g.segment(p, join, &leave, leaveReasons[r.IntN(len(leaveReasons))], "in_meeting"))
	}
	if r.IntN(50) == 0 { // Zoom lost the leave time
		rows[len(rows)-1].Leave = nil
		rows[len(rows)-1].LeaveReason = ""
	}
	return rows
}

// segment builds one row of person p.
func (g *generator) segment(p person, join time.Time, leave *time.Time, reason, status string) Participant {
	r := g.r
	g.seq++
	join = join.Truncate(time.Second) // Zoom serves whole seconds
	d := devices[r.IntN(len(devices))]
	row := Participant{
		UserID:            strconv.Itoa(16778240 + g.seq*1024),
		ParticipantUUID:   g.guid(),
		Name:              p.name,
		Email:             p.email,
		ParticipantUserID: p.userID,
		RegistrantID:      p.registrantID,
		CustomerKey:       p.customerKey,
		Join:              join,
		Status:            status,
		Role:              orDefault(p.role, "attendee"),
		Device:            d.device,
		OS:                d.os,
		Version:           d.version,
		IPAddress:         fmt.Sprintf("203.0.113.%d", r.IntN(254)+1),
		Location:          locations[r.IntN(len(locations))],
		NetworkType:       []string{"Wired", "Wifi", "Cellular"}[r.IntN(3)],
		DataCenter:        "SC",
		FullDataCenter:    "United States;United States (US03_SC CRC)",
		ConnectionType:    []string{"UDP", "TCP", "P2P"}[r.IntN(3)],
		PCName:            p.name + "'s PC",
	}
	if r.IntN(4) == 0 {
		row.InternalIPAddresses = []string{fmt.Sprintf("10.0.%d.%d", r.IntN(255), r.IntN(254)+1)}
	}
	if g.x != nil {
		g.fill(&row)
	}
	if leave != nil {
		l := leave.Truncate(time.Second)
		row.Leave = &l
		// Zoom's Dashboard form: "<name> left the meeting.<br>Reason: <reason>".
		if strings.HasSuffix(reason, "the meeting.") && !strings.HasPrefix(reason, "Host") {
			row.LeaveReason = p.name + " " + reason
		} else {
			row.LeaveReason = p.name + " left the meeting.<br>Reason: " + reason
		}
	}
	return row
}

func (g *generator) name() string {
	r := g.r
	if r.IntN(10) == 0 {
		return oddNames[r.IntN(len(oddNames))]
	}
	if r.IntN(40) == 0 {
		return "iPhone" // a device name as display name, common among guests
	}
	return firstNames[r.IntN(len(firstNames))] + " " + lastNames[r.IntN(len(lastNames))]
}

func emailFor(name string, k int, domain string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	if b.Len() == 0 {
		b.WriteString("user")
	}
	return fmt.Sprintf("%s.%d@%s", b.String(), k, domain)
}

// zoomID returns a Zoom-style 22-character user or account ID.
func (g *generator) zoomID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 22)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// guid returns an upper-case GUID such as 67C1A429-1476-4C9C-8F3B-7E9E2D4A1B0C.
func (g *generator) guid() string {
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-%04x-%04x-%012x",
		g.r.Uint32(), g.r.Uint32()&0xffff, g.r.Uint32()&0xffff, g.r.Uint32()&0xffff, g.r.Uint64()&0xffffffffffff))
}

var (
	connectionTypes = []string{"P2P", "TCP", "UDP", "Reliable UDP", "SSL", "HTTP", "TCP+Proxy",
		"UDP+Proxy", "Reliable+Proxy", "SSL+Proxy", "HTTP+Proxy"}
	qualities         = []string{"", "good", "good", "good", "fair", "poor", "bad"}
	optionalArchiving = []string{"no optional archiving", "join without archiving", "join with archiving"}
	aicDisclaimers    = []string{"no disclaimer", "agree", "agree", "leave meeting"}
	browsers          = []struct{ name, version string }{{"Chrome", "126.0.6478.127"}, {"Firefox", "128.0"}, {"Safari", "17.5"}, {"Edge", "126.0.2592.87"}}
	osVersions        = map[string]string{"Windows 11": "10.0.22631", "macOS 14.5": "14.5.0", "iOS 17.4": "17.4.1", "Android 14": "14"}
)

// fill sets the fields of AllFields on row from g.x, by its device.
func (g *generator) fill(row *Participant) {
	x := g.x
	pick := func(vs []string) string { return vs[x.IntN(len(vs))] }
	// Start from none of the device-dependent fields: a row is filled again
	// when its device changes.
	row.Client, row.DeviceName, row.MacAddr, row.HarddiskID = "", "", "", ""
	row.BrowserName, row.BrowserVersion, row.SIPURI, row.FromSIPURI = "", "", "", ""
	row.Camera, row.Microphone, row.Speaker, row.Domain, row.PhoneNumber = "", "", "", "", ""
	row.InRoomParticipants, row.AudioCall = 0, nil
	row.VideoConnectionType = pick(connectionTypes)
	row.ASConnectionType = pick(connectionTypes)
	row.AudioQuality, row.VideoQuality, row.ScreenShareQuality = pick(qualities), pick(qualities), pick(qualities)
	row.ShareApplication = x.IntN(12) == 0
	row.ShareDesktop = x.IntN(5) == 0
	row.ShareWhiteboard = x.IntN(20) == 0
	row.Recording = x.IntN(15) == 0
	if v, ok := osVersions[row.OS]; ok {
		row.OSVersion = v
	}
	switch row.Device {
	case "Phone":
		call := AudioCall{CallNumber: fmt.Sprintf("+1 555 01%02d %03d", x.IntN(100), x.IntN(1000)),
			CallType: "call-in", ZoomNumber: "+1 646 558 8656"}
		if x.IntN(5) == 0 {
			call.CallType = "call-out"
		}
		row.AudioCall = []AudioCall{call}
		row.PhoneNumber = call.CallNumber
		row.Client = "Phone"
	case "H.323/SIP":
		room := x.IntN(90) + 10
		row.SIPURI = fmt.Sprintf("sip:%d.room%d@sip.example.com", 80000000000+x.Int64N(999999999), room)
		row.FromSIPURI = fmt.Sprintf("sip:boardroom-%d@video.example.org", room)
		row.Client = "H.323/SIP"
	case "Web":
		b := browsers[x.IntN(len(browsers))]
		row.Client, row.BrowserName, row.BrowserVersion = "Web", b.name, b.version
	default:
		row.Client = "Zoom Workplace"
		if x.IntN(8) == 0 {
			row.Client = "Zoom Rooms"
			row.InRoomParticipants = 2 + x.IntN(11)
			row.DeviceName = fmt.Sprintf("Room %d.%02d", 1+x.IntN(4), x.IntN(40))
		}
	}
	if row.Device != "Phone" && row.Device != "H.323/SIP" {
		if row.DeviceName == "" {
			row.DeviceName = pick([]string{"MacBook Pro", "ThinkPad X1 Carbon", "iPhone 15", "Pixel 8", "Surface Pro 9"})
		}
		mac := fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", x.IntN(256), x.IntN(256), x.IntN(256), x.IntN(256), x.IntN(256), x.IntN(256))
		if x.IntN(3) == 0 {
			mac = " " + mac // Zoom pads some with white space
		}
		row.MacAddr = mac
		row.HarddiskID = fmt.Sprintf("%08X-%04X", x.Uint32(), x.IntN(0x10000))
		if x.IntN(6) != 0 { // no devices reported by some clients
			row.Camera = pick([]string{"FaceTime HD Camera", "Logitech BRIO", "Integrated Webcam", "Front Camera"})
			row.Microphone = pick([]string{"MacBook Pro Microphone", "Jabra Evolve2 65", "Headset Microphone (Plantronics BT600)"})
			row.Speaker = pick([]string{"MacBook Pro Speakers", "Jabra Evolve2 65", "Speakers (Realtek(R) Audio)"})
		}
		if row.Device == "Windows" && x.IntN(2) == 0 {
			row.Domain = "CORP"
		}
	}
	if x.IntN(3) == 0 {
		row.GroupID = fmt.Sprintf("grp-%d", 1+x.IntN(5))
	}
	switch x.IntN(4) {
	case 0: // left out
	case 1:
		f := false
		row.HasArchiving = &f
		row.OptionalArchiving = optionalArchiving[0]
	default:
		t := true
		row.HasArchiving = &t
		row.OptionalArchiving = pick(optionalArchiving)
	}
	if x.IntN(5) != 0 {
		row.TotalJoinTimeCost = float64(5+x.IntN(60)) / 10
	}
	if x.IntN(3) != 0 {
		row.AICDisclaimer = pick(aicDisclaimers)
	}
	if g.webinar && row.Role == "attendee" && x.IntN(8) == 0 {
		row.Role = "panelist"
	}
}
