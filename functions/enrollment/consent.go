package enrollment

import (
	"strconv"
	"time"
)

// consentDocument is one version of the research consent text. Versions
// are never edited once published: a change gets a new version, and the
// function offers only the current one for signing.
type consentDocument struct {
	Version   string   `json:"version"`
	Title     string   `json:"title"`
	Published string   `json:"published"`
	Sections  []string `json:"sections"`
}

// currentConsent is the version patients sign today.
var currentConsent = consentDocument{
	Version:   "2026-01",
	Title:     "IHEP digital-twin research program: consent to take part",
	Published: "2026-01-15",
	Sections: []string{
		"The digital-twin research program studies how vital signs recorded at home change over time for people living with long-term conditions, to improve the health score IHEP shows.",
		"If you take part, researchers approved by the program may use the vital signs, smoothed estimates and health scores recorded while you are enrolled. They see them under a study code, never with your name or contact details.",
		"Taking part is voluntary. Your care in IHEP, including your dashboard and your digital twin, is the same whether or not you take part.",
		"Your enrollment starts once an administrator of the program has approved and activated it.",
		"You can withdraw at any time in the app. Withdrawal takes effect at once: nothing recorded after it is used for research. Data recorded before it may stay in analyses that have already been run.",
		"Questions about the program go to the IHEP research office through the help section of the app.",
	},
}

// consentPolicyBase names the published consent documents; the version is
// appended, so each Consent points at the exact text that was signed.
const consentPolicyBase = "https://ihep.app/consent/digital-twin-research/"

// ConsentIdentifierSystem identifies a Consent by the user id and the
// enrollment's generation, which makes signing a conditional create: a
// retried request finds the Consent the first attempt stored.
const ConsentIdentifierSystem = "https://ihep.app/fhir/sid/research-consent"

// consentResource is the subset of FHIR R4 Consent that the function writes.
type consentResource struct {
	ResourceType string              `json:"resourceType"`
	ID           string              `json:"id,omitempty"`
	Meta         map[string]any      `json:"meta,omitempty"`
	Identifier   []identifier        `json:"identifier"`
	Status       string              `json:"status"`
	Scope        codeableConcept     `json:"scope"`
	Category     []codeableConcept   `json:"category"`
	Patient      reference           `json:"patient"`
	DateTime     string              `json:"dateTime"`
	Policy       []map[string]string `json:"policy"`
	Provision    provision           `json:"provision"`
}

type identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type coding struct {
	System string `json:"system"`
	Code   string `json:"code"`
}

type codeableConcept struct {
	Coding []coding `json:"coding"`
}

type reference struct {
	Reference string `json:"reference"`
}

type period struct {
	Start string `json:"start"`
	End   string `json:"end,omitempty"`
}

type provision struct {
	Type   string `json:"type"`
	Period period `json:"period"`
}

func consentIdentifier(uid string, generation int) identifier {
	return identifier{System: ConsentIdentifierSystem, Value: uid + "-" + strconv.Itoa(generation)}
}

// newConsent builds the active research Consent a patient signs.
func newConsent(uid, patientID, version string, generation int, signedAt time.Time) consentResource {
	at := signedAt.UTC().Format(time.RFC3339)
	return consentResource{
		ResourceType: "Consent",
		Identifier:   []identifier{consentIdentifier(uid, generation)},
		Status:       "active",
		Scope:        codeableConcept{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/consentscope", Code: "research"}}},
		Category:     []codeableConcept{{Coding: []coding{{System: "http://terminology.hl7.org/CodeSystem/consentcategorycodes", Code: "research"}}}},
		Patient:      reference{Reference: "Patient/" + patientID},
		DateTime:     at,
		Policy:       []map[string]string{{"uri": consentPolicyBase + version}},
		Provision:    provision{Type: "permit", Period: period{Start: at}},
	}
}
