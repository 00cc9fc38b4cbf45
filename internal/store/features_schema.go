package store

// IDKind is the JSON type of the collection's feature ids: KindInteger for events (a
// bigint), KindString for the others. Schemas declare it; paging cursors follow it.
func (info CollectionInfo) IDKind() Kind {
	if c, ok := collections[info.ID]; ok && c.intKey {
		return KindInteger
	}
	return KindString
}
