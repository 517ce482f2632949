-- Schema version 3 of the class database on SQLite, as the app created it at commit 6241a74.
-- tests/test_classroom_compat.py builds a database from it: one made then must open and work.
CREATE TABLE sagdet_schema_version (
	id INTEGER NOT NULL,
	version INTEGER NOT NULL,
	migrated_at DATETIME NOT NULL,
	PRIMARY KEY (id)
);
CREATE TABLE sagdet_class (
	id INTEGER NOT NULL,
	code VARCHAR(16) NOT NULL,
	name VARCHAR(100) NOT NULL,
	decks TEXT NOT NULL,
	key_hash VARCHAR(200) NOT NULL,
	created_at DATETIME NOT NULL,
	expires_at DATETIME,
	PRIMARY KEY (id),
	UNIQUE (code)
);
CREATE TABLE sagdet_student (
	id INTEGER NOT NULL,
	class_id INTEGER NOT NULL,
	name VARCHAR(100) NOT NULL,
	name_key VARCHAR(200) NOT NULL,
	token_hash VARCHAR(64) NOT NULL,
	pin_hash VARCHAR(200) NOT NULL,
	failed_pins INTEGER NOT NULL,
	locked_until DATETIME,
	joined_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (class_id, name_key),
	UNIQUE (id, class_id),
	FOREIGN KEY(class_id) REFERENCES sagdet_class (id) ON DELETE CASCADE
);
CREATE TABLE sagdet_class_deck (
	id INTEGER NOT NULL,
	class_id INTEGER NOT NULL,
	name VARCHAR(200) NOT NULL,
	digest VARCHAR(64) NOT NULL,
	archive BLOB NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (class_id, name),
	FOREIGN KEY(class_id) REFERENCES sagdet_class (id) ON DELETE CASCADE
);
CREATE TABLE sagdet_answer (
	id INTEGER NOT NULL,
	answer_key VARCHAR(32),
	class_id INTEGER NOT NULL,
	student_id INTEGER NOT NULL,
	deck VARCHAR(200) NOT NULL,
	round_id VARCHAR(64) NOT NULL,
	card_id VARCHAR(200) NOT NULL,
	answer VARCHAR(200) NOT NULL,
	verdict VARCHAR(20) NOT NULL,
	heard VARCHAR(500) NOT NULL,
	tries INTEGER NOT NULL,
	hints INTEGER DEFAULT '0' NOT NULL,
	points INTEGER NOT NULL,
	streak INTEGER NOT NULL,
	typed BOOLEAN NOT NULL,
	answered_at DATETIME NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(student_id, class_id) REFERENCES sagdet_student (id, class_id) ON DELETE CASCADE,
	FOREIGN KEY(class_id) REFERENCES sagdet_class (id) ON DELETE CASCADE
);
CREATE INDEX ix_sagdet_answer_class_student ON sagdet_answer (class_id, student_id);
CREATE UNIQUE INDEX ix_sagdet_answer_key ON sagdet_answer (answer_key);
CREATE INDEX ix_sagdet_answer_class_card ON sagdet_answer (class_id, card_id);
