package sentrysim

// audit records an entry in the organization's audit log, as Sentry's
// create_audit_entry does after a change: the actor is the calling user,
// or the organization token's name. event is the log's event name
// ("team.create"); data is what Sentry stores with it.
func (c *call) audit(event string, targetObject int64, targetUser *user, data map[string]any) {
	e := &auditEntry{
		id:           c.s.st.newID(),
		event:        event,
		ipAddress:    remoteIP(c.r),
		targetObject: targetObject,
		targetUser:   targetUser,
		data:         data,
		dateCreated:  c.s.now(),
	}
	if p := c.principal; p != nil {
		e.actor = p.user
		if p.user == nil {
			e.actorLabel = p.token.name
		}
	}
	c.org.audit = append(c.org.audit, e)
}
