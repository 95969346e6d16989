package chat

import (
	"regexp"
	"strings"
)

// emergency is a kind of situation that gets emergency guidance at once,
// before the message reaches any model.
type emergency int

const (
	noEmergency emergency = iota
	cardiacEmergency
	strokeEmergency
	suicideEmergency
	overdoseEmergency
)

// The patterns run on lower-case text with apostrophes straightened and
// whitespace collapsed. They favour recall, because a false alarm costs the
// user one extra reply and a missed emergency could cost a life.
// NOTE: the patterns are English only and ignore negation ("I am not
// suicidal" escalates). Messages in other languages reach the model, which
// the system instruction tells to give the same guidance.
var (
	chestPattern = regexp.MustCompile(`\bchest\b.{0,20}\b(pain|pains|hurts?|hurting|pressure|tight|tightness|squeez\w*|crushing)\b|\bheart attack\b`)
	// breathPattern is the breathing trouble that, with chest pain, makes a
	// likely heart attack.
	breathPattern   = regexp.MustCompile(`\b(can ?not|can't|cant|couldn't|unable to|struggling to|trouble|difficulty|hard to|hardly)\b.{0,12}\bbreath\w*|\bshort(ness)? of breath\b|\bbreathless\b|\bgasping\b`)
	strokePattern   = regexp.MustCompile(`\bstroke\b|\b(face|mouth|smile)\b.{0,15}\b(droop\w*|numb\w*|lopsided)\b|\bslurr\w*\b.{0,10}\b(speech|words|talk\w*)\b|\bspeech\b.{0,10}\bslurr\w*|\b(numb\w*|weak\w*|paralys\w*|can't move)\b.{0,30}\bone side\b|\bone side\b.{0,20}\b(numb\w*|weak\w*|paralys\w*)\b`)
	suicidePattern  = regexp.MustCompile(`\bsuicid\w*|\bkill(ing)? my ?self\b|\bend(ing)? (my|it all|my own) li(fe|ves)\b|\bend it all\b|\btake my (own )?life\b|\b(want|wanted|wanting|going) to die\b|\bbetter off dead\b|\bno reason to live\b|\bhurt(ing)? my ?self\b|\bself[- ]harm\w*`)
	overdosePattern = regexp.MustCompile(`\boverdos\w*|\bod'?(d|ed)\b|\btook (too many|too much|a lot of|a whole|all (of )?my|the whole)\b.{0,30}\b(pills?|tablets?|medications?|meds|medicines?|doses?|insulin|bottle|pack)\b|\btoo (much|many) (of my )?(pills?|tablets?|medications?|meds|insulin)\b`)
	spacePattern    = regexp.MustCompile(`\s+`)
)

// detectEmergency classifies one message. It is deterministic and runs
// before the model, so the guidance never depends on the model's output.
func detectEmergency(text string) emergency {
	t := strings.ToLower(text)
	t = strings.NewReplacer("\u2019", "'", "\u2018", "'", "`", "'").Replace(t)
	t = spacePattern.ReplaceAllString(t, " ")
	switch {
	case suicidePattern.MatchString(t):
		return suicideEmergency
	case overdosePattern.MatchString(t):
		return overdoseEmergency
	case strokePattern.MatchString(t):
		return strokeEmergency
	case chestPattern.MatchString(t) && breathPattern.MatchString(t):
		return cardiacEmergency
	}
	return noEmergency
}

// Emergency numbers in the United States.
var (
	call911 = action{Type: "call", Label: "Call 911", Target: "tel:911"}
	call988 = action{Type: "call", Label: "Call or text 988", Target: "tel:988"}
)

// emergencyReply is the guidance for kind: what to do now, in plain words.
func emergencyReply(kind emergency) chatResponse {
	switch kind {
	case suicideEmergency:
		return chatResponse{
			Message: "I'm really glad you told me. You deserve support right now. Please call or text 988 to reach the 988 Suicide & Crisis Lifeline. It is free, confidential and open 24 hours a day. " +
				"If you are in immediate danger or have already hurt yourself, call 911 now. If you can, stay with someone you trust until help arrives.",
			Actions: []action{call988, call911},
		}
	case overdoseEmergency:
		return chatResponse{
			Message: "This could be an overdose, which is an emergency. Call 911 now, even if you feel all right at the moment. " +
				"Keep the medicine packaging with you to show the responders. If you took it on purpose or are thinking about harming yourself, you can also call or text 988, the Suicide & Crisis Lifeline.",
			Actions: []action{call911, call988},
		}
	case strokeEmergency:
		return chatResponse{
			Message: "These can be signs of a stroke, which is an emergency. Call 911 now, and note the time the symptoms started. " +
				"Do not drive yourself, and do not take any medicine while you wait for help.",
			Actions: []action{call911},
		}
	default:
		return chatResponse{
			Message: "Chest pain with trouble breathing can be a heart attack, which is an emergency. Call 911 now. " +
				"Do not drive yourself. Sit down, stay calm and unlock your door if you can while you wait for help.",
			Actions: []action{call911},
		}
	}
}
