package contract

// Each function package registers its HTTPS functions with the Functions
// Framework in init. A manifest function whose package is missing here
// returns 404, and the contract test reports it by name.
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
	_ "github.com/ihep/backend/functions/survey"
	_ "github.com/ihep/backend/functions/twin"
	_ "github.com/ihep/backend/functions/vitals"
)
