package main

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/type/latlng"

	"github.com/ihep/backend/shared/catalog"
	"github.com/ihep/backend/shared/config"
	"github.com/ihep/backend/shared/directory"
	"github.com/ihep/backend/shared/platform"
)

// seedCatalog stores the conditions catalog, the demo articles and the demo
// provider directory straight in Firestore, under fixed ids, so that a second
// run stores the same documents again. The function APIs have no bulk
// import, and their admin writes would need an admin account.
func seedCatalog(ctx context.Context) error {
	fs, err := platform.NewFirestore(ctx, config.FromEnv())
	if err != nil {
		return err
	}
	defer fs.Close()

	store := catalog.NewStore(fs)
	if err := store.SeedConditions(ctx); err != nil {
		return err
	}
	for _, a := range demoArticles() {
		if _, err := store.PutArticle(ctx, a.ID, &a.Article); err != nil {
			return fmt.Errorf("seed article %s: %w", a.ID, err)
		}
	}
	dir := directory.NewStore(fs)
	providers := demoProviders()
	for _, p := range providers {
		if err := dir.Put(ctx, p.ID, p); err != nil {
			return fmt.Errorf("seed provider %s: %w", p.ID, err)
		}
	}
	fmt.Printf("Catalog: %d conditions, %d articles, %d providers\n", len(catalog.DefaultConditions), len(demoArticles()), len(providers))
	return nil
}

type demoArticle struct {
	ID string
	catalog.Article
}

// demoArticles are short texts written for the demo. They are general
// self-care information, not medical advice.
func demoArticles() []demoArticle {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 9, 0, 0, 0, time.UTC) }
	article := func(id, title, summary, body string, published time.Time, slugs ...string) demoArticle {
		return demoArticle{ID: id, Article: catalog.Article{Title: title, Summary: summary, Body: body, PublishedAt: published, Conditions: slugs, Published: true}}
	}
	return []demoArticle{
		article("demo-art-treatment-routine", "Building a daily treatment routine",
			"Tie your medication to something you already do every day, and keep a backup supply where you spend time.",
			"Taking antiretroviral medication at the same time every day keeps drug levels steady. Pick an anchor you never skip, such as brushing your teeth or your first coffee, and take the dose right after it. Keep a few days of medication in a bag or at work in case plans change. A pill box filled once a week shows at a glance whether today's dose is done. If you miss a dose, read the leaflet or ask your pharmacist what to do rather than doubling up.",
			day(5), "hiv-aids"),
		article("demo-art-viral-load", "What an undetectable viral load means",
			"Regular blood tests show whether treatment is working; an undetectable result is the goal of care.",
			"A viral load test counts copies of the virus in a sample of blood. With steady treatment most people reach a level too low for the test to measure, called undetectable. Staying undetectable protects your immune system and means the virus is not passed on through sex. Your care team will tell you how often to test; many people test every three to six months once they are stable. Bring questions to each visit and write down the results so you can see the trend.",
			day(19), "hiv-aids"),
		article("demo-art-glucose-log", "Keeping a useful blood sugar log",
			"Write down the reading, the time, and what happened around it, so patterns become visible.",
			"A blood sugar number alone says little. Next to each reading note the time, whether it was before or after a meal, any exercise, and how you felt. After two weeks, look for patterns: high readings after a certain breakfast, or lows on days with long walks. Share the log with your care team before appointments so the visit can focus on changes, not on collecting numbers.",
			day(8), "diabetes"),
		article("demo-art-foot-check", "A two-minute daily foot check",
			"Diabetes can dull feeling in the feet, so small injuries go unnoticed. Look every day.",
			"Sit down in good light after a shower. Look at the tops, soles and between the toes, using a mirror or asking someone to help if you cannot see well. Watch for cuts, blisters, redness, swelling or skin that feels warmer than usual. Dry between the toes, and wear socks and shoes that do not rub. Anything that does not start healing within a couple of days is worth a call to your clinic.",
			day(22), "diabetes"),
		article("demo-art-fatigue", "Managing fatigue during and after cancer treatment",
			"Fatigue is the most common side effect of treatment. Pacing, light activity and sleep habits help.",
			"Cancer-related fatigue is different from ordinary tiredness and does not always improve with rest. Plan the day around your energy: do important tasks when you feel strongest and break larger jobs into parts. Short walks or gentle stretching, cleared with your care team, often reduce fatigue over a few weeks. Keep a regular sleep schedule and limit long naps. Tell your team if fatigue is getting worse, because anaemia, thyroid problems or low mood can be treated.",
			day(12), "cancer"),
		article("demo-art-follow-up", "Preparing for a follow-up visit",
			"A short list of symptoms, questions and medicines makes follow-up appointments more useful.",
			"Before each visit write down any new or changed symptoms with the date they started, every medicine and supplement you take, and the three questions that matter most to you. Bring someone along if you can, to listen and take notes. Ask what the next tests are, when results will come, and whom to call if something changes before the next appointment.",
			day(26), "cancer", "heart-disease"),
		article("demo-art-warning-signs", "Heart warning signs that need a call",
			"Know which symptoms mean calling emergency services and which mean calling your clinic today.",
			"Chest pain or pressure that lasts more than a few minutes, pain spreading to the arm, jaw or back, sudden shortness of breath, or fainting need emergency services straight away. Swelling of the ankles, a weight gain of more than a kilogram in a day or two, or needing more pillows to breathe at night are reasons to call your clinic the same day. Keep your medicine list and your doctor's number by the phone.",
			day(15), "heart-disease"),
		article("demo-art-salt", "Cutting salt without losing flavour",
			"Most salt comes from bread, sauces and ready meals. Small swaps add up.",
			"Reading labels is the fastest way to find hidden salt: compare two brands of the same food and pick the lower one. Cook with herbs, garlic, citrus and pepper instead of salt, and taste before adding any at the table. Rinse canned beans and vegetables. Your taste adjusts within a few weeks, and lower salt intake helps keep blood pressure down.",
			day(29), "heart-disease", "diabetes"),
		article("demo-art-sleep", "Sleep habits that support your mood",
			"A steady wake-up time, daylight in the morning and a wind-down routine improve sleep and mood.",
			"Get up at the same time every day, even after a poor night. Morning daylight helps set your body clock. Keep the last hour before bed calm and screen-free, and use the bed only for sleep. If you lie awake for a long time, get up and do something quiet until you feel sleepy. Persistent sleep problems are common with depression and anxiety and are worth raising with your care team.",
			day(10), "mental-health"),
		article("demo-art-support", "Finding support when you need it",
			"Peer groups, counselling and crisis lines each help in different moments. Know your options in advance.",
			"Talking with people who live with the same condition can make it feel less isolating. Ask your clinic about peer groups, online or in person. Counselling offers a structured space to work through stress, grief or anxiety. Save your local crisis line number in your phone now, so it is there if you ever need it. Reaching out early is a strength, not a failure.",
			day(31), "mental-health", "hiv-aids", "cancer"),
	}
}

// demoProviders is a fictional directory around Chicago, with one provider
// deactivated to show that inactive entries stay hidden.
func demoProviders() []*directory.Provider {
	provider := func(id, name, specialty, address string, lat, lng float64, types, langs []string) *directory.Provider {
		return &directory.Provider{ID: id, Name: name, Specialty: specialty, Address: address, Phone: "+1 312 555 01" + id[len(id)-2:],
			Email: id + "@clinic.example.org", AppointmentTypes: types, Languages: langs, Active: true, Location: latLng(lat, lng)}
	}
	tele := []string{directory.AppointmentTelehealth, directory.AppointmentInPerson}
	office := []string{directory.AppointmentInPerson}
	group := []string{directory.AppointmentGroup, directory.AppointmentTelehealth}
	list := []*directory.Provider{
		provider("demo-prov-01", "Dr. Amara Okafor", "Infectious Disease", "201 E Huron St, Chicago, IL", 41.8950, -87.6210, tele, []string{"en", "ig"}),
		provider("demo-prov-02", "Dr. Luis Herrera", "Infectious Disease", "1900 W Polk St, Chicago, IL", 41.8716, -87.6740, tele, []string{"es", "en"}),
		provider("demo-prov-03", "Dr. Mei Lin", "Endocrinology", "5841 S Maryland Ave, Chicago, IL", 41.7886, -87.6046, office, []string{"en", "zh"}),
		provider("demo-prov-04", "Dr. Samuel Brooks", "Endocrinology", "2650 Ridge Ave, Evanston, IL", 42.0625, -87.6835, tele, []string{"en"}),
		provider("demo-prov-05", "Dr. Priya Raman", "Oncology", "675 N St Clair St, Chicago, IL", 41.8945, -87.6225, tele, []string{"en", "ta", "hi"}),
		provider("demo-prov-06", "Dr. Tomasz Nowak", "Oncology", "4646 N Marine Dr, Chicago, IL", 41.9668, -87.6480, office, []string{"pl", "en"}),
		provider("demo-prov-07", "Dr. Grace Whitfield", "Cardiology", "251 E Huron St, Chicago, IL", 41.8949, -87.6206, tele, []string{"en"}),
		provider("demo-prov-08", "Dr. Hector Salinas", "Cardiology", "3249 S Oak Park Ave, Berwyn, IL", 41.8335, -87.7945, office, []string{"es", "en"}),
		provider("demo-prov-09", "Jordan Ellis, LCSW", "Behavioral Health", "1601 N Milwaukee Ave, Chicago, IL", 41.9101, -87.6775, group, []string{"en"}),
		provider("demo-prov-10", "Dr. Nadia Haddad", "Psychiatry", "710 N Lake Shore Dr, Chicago, IL", 41.8957, -87.6174, tele, []string{"ar", "en", "fr"}),
		provider("demo-prov-11", "Rosa Delgado, RD", "Nutrition", "2929 S Ellis Ave, Chicago, IL", 41.8405, -87.6020, group, []string{"es", "en"}),
		provider("demo-prov-12", "Dr. Kofi Mensah", "Primary Care", "1044 N Francisco Ave, Chicago, IL", 41.9005, -87.7003, tele, []string{"en", "tw"}),
		provider("demo-prov-13", "Dr. Elena Petrova", "Primary Care", "1 Hospital Dr, Springfield, IL", 39.8017, -89.6436, tele, []string{"ru", "en"}),
		provider("demo-prov-14", "Dr. Old Listing", "Primary Care", "Closed office, Chicago, IL", 41.8800, -87.6300, office, []string{"en"}),
	}
	list[len(list)-1].Active = false
	return list
}

func latLng(lat, lng float64) *latlng.LatLng {
	return &latlng.LatLng{Latitude: lat, Longitude: lng}
}
