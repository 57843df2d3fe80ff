package apim

import "slices"

// gatewayKMs is the gateway's per-tenant KeyManagerHolder state (OrganizationKeyManagerDto): an ordered
// map of the KMs it holds (keyManagerMap, a LinkedHashMap by name) and an issuer → KM map (issuerNameMap).
// Both are changed only by KM events, never recomputed from the stored KMs, so their history matters.
//
// derived (api-manager-4.md §2 "Issuer collision", §6 step 1; the exact calls are from public carbon-apimgt
// KeyManagerHolder / OrganizationKeyManagerDto sources that the reference does not cite):
//   - add (KM created, or the re-add half of an update): only an enabled KM with tokenType ≠ EXCHANGED is
//     held; it is appended to the order and its issuer is a plain put (last one wins), whether or not the KM
//     has a JWT validator.
//   - remove (KM deleted, or the first half of every update): if the KM is held, the issuer entry is
//     removed by issuer alone (Map.remove(issuer)), even when it points to another KM of the same issuer;
//     nothing re-puts that other KM until it is itself updated.
//   - order of keyManagerMap: the Resident KM first, then put order. derived: one carbon-apimgt revision of
//     putKeyManagerDto moves DEFAULT_KEY_MANAGER to the front of the LinkedHashMap, and the Resident KM is
//     the first KM put at start-up, so it is first in revisions without that special case too.
//     UNCONFIRMED only in that the reference does not pin the source revision of the GA packs.
type gatewayKMs struct {
	order   []string          // held KM ids in keyManagerMap iteration order
	issuers map[string]string // issuer → KM id
}

func (g *gatewayKMs) add(km *keyManager) {
	if !km.Enabled || km.TokenType == "EXCHANGED" {
		return
	}
	if km.Type == typeDefault && km.Name == residentKMName {
		g.order = append([]string{km.ID}, slices.DeleteFunc(g.order, func(id string) bool { return id == km.ID })...)
	} else if !slices.Contains(g.order, km.ID) {
		g.order = append(g.order, km.ID)
	}
	g.issuers[km.prop("issuer")] = km.ID
}

func (g *gatewayKMs) remove(km *keyManager) {
	i := slices.Index(g.order, km.ID)
	if i < 0 {
		return
	}
	g.order = slices.Delete(g.order, i, i+1)
	delete(g.issuers, km.prop("issuer"))
}

// held lists the KMs the gateway holds, in iteration order. Called with s.mu held.
func (st *state) heldKMs() []*keyManager {
	var out []*keyManager
	for _, id := range st.gw.order {
		if km := st.kmByID(id); km != nil {
			out = append(out, km)
		}
	}
	return out
}

// hasJWTValidator is KeyManagerHolder.getJWTValidator: a validator exists only when self_validate_jwt is
// true and an issuer is set (api-manager-4.md §6 step 1).
func (km *keyManager) hasJWTValidator() bool {
	return km.flag("self_validate_jwt", true) && km.prop("issuer") != ""
}
