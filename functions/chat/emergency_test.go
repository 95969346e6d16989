package chat

import (
	"strings"
	"testing"
)

func TestDetectEmergency(t *testing.T) {
	t.Parallel()
	cases := []struct {
		message string
		want    emergency
	}{
		{"I have crushing chest pain and I can't breathe", cardiacEmergency},
		{"Chest feels tight, really short of breath", cardiacEmergency},
		{"my chest hurts and it's hard to breathe", cardiacEmergency},
		{"I think I'm having a heart attack, I can\u2019t breathe", cardiacEmergency},
		{"My face is drooping on one side", strokeEmergency},
		{"sudden slurred speech and my arm is weak", strokeEmergency},
		{"Numbness in my arm and leg on one side", strokeEmergency},
		{"I think my dad is having a stroke", strokeEmergency},
		{"I want to kill myself", suicideEmergency},
		{"I've been thinking about suicide", suicideEmergency},
		{"Sometimes I feel I'd be better off dead", suicideEmergency},
		{"I want to end my life", suicideEmergency},
		{"I want to hurt myself", suicideEmergency},
		{"I took too many of my pills", overdoseEmergency},
		{"I think I overdosed on insulin", overdoseEmergency},
		{"took a whole bottle of tablets", overdoseEmergency},
		{"When is my next appointment?", noEmergency},
		{"My chest pain from last month is gone", noEmergency},
		{"I was short of breath after running", noEmergency},
		{"How do I take my pills with food?", noEmergency},
		{"Tell me about heart disease", noEmergency},
		{"What does my blood pressure mean?", noEmergency},
	}
	for _, tc := range cases {
		if got := detectEmergency(tc.message); got != tc.want {
			t.Errorf("detectEmergency(%q) = %d, want %d", tc.message, got, tc.want)
		}
	}
}

func TestEmergencyReplyNumbers(t *testing.T) {
	t.Parallel()
	for _, kind := range []emergency{cardiacEmergency, strokeEmergency, suicideEmergency, overdoseEmergency} {
		reply := emergencyReply(kind)
		if !strings.Contains(reply.Message, "911") || reply.Actions[0].Type != "call" {
			t.Errorf("reply for %d = %+v, want 911 and a call action first", kind, reply)
		}
	}
	if reply := emergencyReply(suicideEmergency); reply.Actions[0].Target != "tel:988" || !strings.Contains(reply.Message, "988 Suicide & Crisis Lifeline") {
		t.Errorf("suicide reply = %+v, want 988 first", reply)
	}
}
