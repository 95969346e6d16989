package notification

import (
	"context"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// OwnersCollection is deviceOwners/{sha256-hex of the token}: the one user
// a registration token belongs to. Every change of a token's devices
// document and its owner document happens in one transaction, so a token
// never stays registered for two users.
const OwnersCollection = "deviceOwners"

// owner is the document that names the user of a token.
type owner struct {
	UID       string    `firestore:"uid"`
	UpdatedAt time.Time `firestore:"updatedAt"`
}

// ownerRef returns the owner document of the token with document id id.
func ownerRef(fs *firestore.Client, id string) *firestore.DocumentRef {
	return fs.Collection(OwnersCollection).Doc(id)
}

// RegisterDevice stores token for uid, or refreshes its platform and time
// when uid registered it before, and removes it from the user who held it
// until now. It reports whether the token is new for uid.
// NOTE: a token stored for another user without an owner document (written
// before owner documents existed) is not found, so it stays there as well.
func RegisterDevice(ctx context.Context, fs *firestore.Client, uid, token, platform string, now time.Time) (bool, error) {
	id := DeviceID(token)
	ref := Devices(fs, uid).Doc(id)
	created := false
	err := fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		previous, err := readOwner(tx, ownerRef(fs, id))
		if err != nil {
			return err
		}
		device, err := readDevice(tx, ref)
		if err != nil {
			return err
		}
		created = !device.Exists()

		if previous != "" && previous != uid {
			if err := tx.Delete(Devices(fs, previous).Doc(id)); err != nil {
				return err
			}
		}
		if created {
			err = tx.Create(ref, Device{Token: token, Platform: platform, CreatedAt: now, UpdatedAt: now})
		} else {
			err = tx.Update(ref, []firestore.Update{{Path: "updatedAt", Value: now}, {Path: "platform", Value: platform}})
		}
		if err != nil {
			return err
		}
		return tx.Set(ownerRef(fs, id), owner{UID: uid, UpdatedAt: now})
	})
	if err != nil {
		return false, fmt.Errorf("register device: %w", err)
	}
	return created, nil
}

// RemoveDevice removes the device with document id id from uid and its
// owner document when uid still owns it. With a non-zero seenUpdate, it
// removes the device only if it was not updated since that time, so that a
// token registered again in the meantime stays. It reports whether the
// device was removed.
func RemoveDevice(ctx context.Context, fs *firestore.Client, uid, id string, seenUpdate time.Time) (bool, error) {
	ref := Devices(fs, uid).Doc(id)
	removed := false
	err := fs.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
		current, err := readOwner(tx, ownerRef(fs, id))
		if err != nil {
			return err
		}
		device, err := readDevice(tx, ref)
		if err != nil {
			return err
		}
		removed = device.Exists() && (seenUpdate.IsZero() || device.UpdateTime.Equal(seenUpdate))
		if device.Exists() && !removed {
			return nil
		}
		if err := tx.Delete(ref); err != nil {
			return err
		}
		if current == uid {
			return tx.Delete(ownerRef(fs, id))
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("remove device: %w", err)
	}
	return removed, nil
}

// RemoveAllDevices removes every device of uid and every owner document
// that still names uid. It returns the number of devices removed.
func RemoveAllDevices(ctx context.Context, fs *firestore.Client, uid string) (int, error) {
	devices, err := Devices(fs, uid).Documents(ctx).GetAll()
	if err != nil {
		return 0, fmt.Errorf("list devices: %w", err)
	}
	removed := 0
	for _, device := range devices {
		ok, err := RemoveDevice(ctx, fs, uid, device.Ref.ID, time.Time{})
		if err != nil {
			return removed, err
		}
		if ok {
			removed++
		}
	}

	// An owner document may name uid without a device document when other
	// code deleted the device document alone.
	owned, err := fs.Collection(OwnersCollection).Where("uid", "==", uid).Documents(ctx).GetAll()
	if err != nil {
		return removed, fmt.Errorf("list owned devices: %w", err)
	}
	for _, doc := range owned {
		if _, err := RemoveDevice(ctx, fs, uid, doc.Ref.ID, time.Time{}); err != nil {
			return removed, err
		}
	}
	return removed, nil
}

// readDevice reads a device document, which may not exist.
func readDevice(tx *firestore.Transaction, ref *firestore.DocumentRef) (*firestore.DocumentSnapshot, error) {
	snap, err := tx.Get(ref)
	if err != nil && status.Code(err) != codes.NotFound {
		return nil, fmt.Errorf("read device: %w", err)
	}
	return snap, nil
}

// readOwner returns the user that owns the token of ref, or "".
func readOwner(tx *firestore.Transaction, ref *firestore.DocumentRef) (string, error) {
	snap, err := tx.Get(ref)
	if status.Code(err) == codes.NotFound {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read device owner: %w", err)
	}
	var o owner
	if err := snap.DataTo(&o); err != nil {
		return "", fmt.Errorf("decode device owner: %w", err)
	}
	return o.UID, nil
}
