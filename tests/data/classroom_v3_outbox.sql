-- Schema version 3 of the outbox file (classroom/outbox.py), as the app created it at commit 6241a74.
-- tests/test_classroom_compat.py builds a database from it: one made then must open and work.
CREATE TABLE waiting_answer (
	seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
	answer_key VARCHAR(32) NOT NULL,
	code VARCHAR(16) NOT NULL,
	class_id INTEGER NOT NULL,
	"row" TEXT NOT NULL,
	queued_at VARCHAR(40) NOT NULL,
	UNIQUE (answer_key)
);
CREATE INDEX ix_waiting_answer_code ON waiting_answer (code);
CREATE INDEX ix_waiting_answer_class_id ON waiting_answer (class_id);
