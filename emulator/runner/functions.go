package main

// Each function package registers its functions with the Functions Framework
// in init. Every package named in functions/manifest.yaml must be imported
// here; TestRunnerImportsManifestPackages fails otherwise.
import (
	_ "github.com/ihep/backend/functions/accountdelete"
	_ "github.com/ihep/backend/functions/appointments"
	_ "github.com/ihep/backend/functions/audittrail"
	_ "github.com/ihep/backend/functions/auth"
	_ "github.com/ihep/backend/functions/catalog"
	_ "github.com/ihep/backend/functions/chat"
	_ "github.com/ihep/backend/functions/directory"
	_ "github.com/ihep/backend/functions/enrollment"
	_ "github.com/ihep/backend/functions/export"
	_ "github.com/ihep/backend/functions/notifications"
	_ "github.com/ihep/backend/functions/profile"
	_ "github.com/ihep/backend/functions/reminders"
	_ "github.com/ihep/backend/functions/smoothvitals"
	_ "github.com/ihep/backend/functions/survey"
	_ "github.com/ihep/backend/functions/twin"
	_ "github.com/ihep/backend/functions/vitals"
)
