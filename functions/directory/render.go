package directory

import (
	"github.com/ihep/backend/shared/directory"
)

type locationBody struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

type providerBody struct {
	ID               string        `json:"id"`
	Name             string        `json:"name"`
	Specialty        string        `json:"specialty"`
	AppointmentTypes []string      `json:"appointmentTypes"`
	Telehealth       bool          `json:"telehealth"`
	Languages        []string      `json:"languages"`
	Address          string        `json:"address"`
	Phone            string        `json:"phone"`
	Email            string        `json:"email"`
	Location         *locationBody `json:"location"`
	Active           bool          `json:"active"`
	DistanceKm       *float64      `json:"distanceKm,omitempty"`
}

func renderProvider(p *directory.Provider) providerBody {
	out := providerBody{ID: p.ID, Name: p.Name, Specialty: p.Specialty, AppointmentTypes: p.AppointmentTypes, Telehealth: p.Telehealth,
		Languages: p.Languages, Address: p.Address, Phone: p.Phone, Email: p.Email, Active: p.Active}
	if p.Location != nil {
		out.Location = &locationBody{Lat: p.Location.Latitude, Lng: p.Location.Longitude}
	}
	return out
}
