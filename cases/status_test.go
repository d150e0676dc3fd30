package cases

import "testing"

func TestStatusMachine(t *testing.T) {
	allowed := map[[2]Status]bool{
		{StatusRegistered, StatusAccepted}:  true,
		{StatusRegistered, StatusRejected}:  true,
		{StatusAccepted, StatusInProgress}:  true,
		{StatusInProgress, StatusResolved}:  true,
		{StatusInProgress, StatusSuspended}: true,
		{StatusSuspended, StatusInProgress}: true,
		{StatusResolved, StatusVisited}:     true,
		{StatusResolved, StatusInProgress}:  true,
		{StatusVisited, StatusClosed}:       true,
		{StatusVisited, StatusInProgress}:   true,
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			if got := from.CanTransition(to); got != allowed[[2]Status{from, to}] {
				t.Errorf("%s → %s allowed = %v", from, to, got)
			}
		}
		if !from.Valid() || from.Label() == "" {
			t.Errorf("%s has no label", from)
		}
	}
	if Status("bogus").Valid() {
		t.Error("bogus status is valid")
	}
	if !StatusRegistered.NoteRequired(StatusRejected) || StatusRegistered.NoteRequired(StatusAccepted) {
		t.Error("NoteRequired wrong")
	}
}
