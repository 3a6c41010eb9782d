//! SQLite storage, one database per node (`storage.db`, WAL, `synchronous=NORMAL`): messages,
//! tombstones of deleted messages until their original expiry (`local-network.md` §4), and
//! the revocation state of subaccount tokens: the last `revoke_subaccount` or
//! `unrevoke_subaccount` by its signed timestamp wins (so catch-up can merge them in any
//! order); at most [`MAX_STORED_REVOCATIONS`] revoked (and as many unrevoked) tokens per
//! account, oldest dropped.
//!
//! Every call is synchronous; the node runs them on tokio's blocking pool.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension as _, params};
use session_swarm::SubaccountToken;
use session_swarm::namespace::Namespace;
use session_swarm::server::{MAX_STORED_REVOCATIONS, RetrieveBudget, StoredMessage};
use session_swarm::{NamespaceSelector, SwarmPubkey};

use crate::error::Result;

/// Rows (messages or tombstones) per catch-up page.
pub(crate) const SYNC_PAGE_ROWS: usize = 5_000;
/// Approximate data bytes (base64) per catch-up page.
pub(crate) const SYNC_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Where a catch-up resumes: after these row ids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SyncCursor {
    pub(crate) message_after: i64,
    pub(crate) messages_done: bool,
    pub(crate) tombstone_after: i64,
}

/// One page of a catch-up answer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct SyncPage {
    pub(crate) messages: Vec<SyncMessage>,
    pub(crate) tombstones: Vec<Tombstone>,
    /// The revocation state of subaccount tokens (first page only).
    #[serde(default)]
    pub(crate) revocations: Vec<Revocation>,
    /// Where the next page starts; `None` after the last one.
    pub(crate) next: Option<SyncCursor>,
}

/// A tombstone: a deleted message's hash, account, namespace and original expiry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Tombstone {
    pub(crate) hash: String,
    pub(crate) owner: String,
    pub(crate) namespace: i16,
    pub(crate) expiry: u64,
}

/// A subaccount token's revocation state for an account, as exchanged by catch-up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Revocation {
    pub(crate) owner: String,
    /// The 36-byte token, hex.
    pub(crate) token: String,
    /// The signed timestamp of the (un)revoke that set this state.
    pub(crate) timestamp: u64,
    pub(crate) revoked: bool,
}

/// Sets a token's revocation state unless a later (un)revoke set it already (at equal
/// timestamps a revocation wins). Returns whether it was applied and whether the token was
/// revoked before.
fn set_revocation(
    tx: &rusqlite::Transaction<'_>,
    owner: &str,
    token: &[u8],
    timestamp: u64,
    revoked: bool,
) -> Result<(bool, bool)> {
    let current: Option<(i64, bool)> = tx
        .query_row(
            "SELECT timestamp, revoked FROM subaccount_revocations WHERE owner = ?1 AND token = ?2",
            params![owner, token],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let apply = match current {
        None => true,
        Some((ts, _)) if u(ts) < timestamp => true,
        Some((ts, was)) => u(ts) == timestamp && revoked && !was,
    };
    if apply {
        tx.execute(
            "INSERT OR REPLACE INTO subaccount_revocations (owner, token, timestamp, revoked)
             VALUES (?1, ?2, ?3, ?4)",
            params![owner, token, i(timestamp), revoked],
        )?;
    }
    Ok((apply, current.is_some_and(|(_, was)| was)))
}

/// Keeps the newest [`MAX_STORED_REVOCATIONS`] revoked and as many unrevoked tokens of `owner`.
fn trim_revocations(tx: &rusqlite::Transaction<'_>, owner: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM subaccount_revocations WHERE owner = ?1 AND seq NOT IN
            (SELECT seq FROM subaccount_revocations WHERE owner = ?1 AND revoked
             ORDER BY seq DESC LIMIT ?2)
         AND seq NOT IN
            (SELECT seq FROM subaccount_revocations WHERE owner = ?1 AND NOT revoked
             ORDER BY seq DESC LIMIT ?2)",
        params![
            owner,
            i64::try_from(MAX_STORED_REVOCATIONS).unwrap_or(i64::MAX)
        ],
    )?;
    Ok(())
}

/// A message with its owner, as exchanged by catch-up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SyncMessage {
    pub(crate) hash: String,
    pub(crate) owner: String,
    pub(crate) namespace: i16,
    pub(crate) timestamp: u64,
    pub(crate) expiry: u64,
    /// base64
    pub(crate) data: String,
}

/// The node's database.
#[derive(Debug)]
pub(crate) struct Store {
    conn: Mutex<Connection>,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Store {
    pub(crate) fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS messages (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                hash TEXT NOT NULL UNIQUE,
                owner TEXT NOT NULL,
                namespace INTEGER NOT NULL,
                timestamp INTEGER NOT NULL,
                expiry INTEGER NOT NULL,
                data BLOB NOT NULL);
             CREATE INDEX IF NOT EXISTS messages_owner ON messages(owner, namespace, id);
             CREATE INDEX IF NOT EXISTS messages_expiry ON messages(expiry);
             CREATE TABLE IF NOT EXISTS tombstones (
                hash TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                namespace INTEGER NOT NULL,
                expiry INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS subaccount_revocations (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                owner TEXT NOT NULL,
                token BLOB NOT NULL,
                timestamp INTEGER NOT NULL,
                revoked INTEGER NOT NULL,
                UNIQUE (owner, token));",
        )?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores a message (spec §5.7 store): a public outbox keeps only this message; an existing
    /// hash gets the later of the two expiries. Returns the stored expiry and whether the hash
    /// was already there. A client store lifts a tombstone of the same hash.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn store(
        &self,
        owner: &SwarmPubkey,
        ns: Namespace,
        hash: &str,
        timestamp: u64,
        expiry: u64,
        data: &[u8],
    ) -> Result<(u64, bool)> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let owner = owner.to_hex();
        if ns.public_outbox() {
            tx.execute(
                "INSERT OR REPLACE INTO tombstones (hash, owner, namespace, expiry)
                 SELECT hash, owner, namespace, expiry FROM messages
                 WHERE owner = ?1 AND namespace = ?2 AND hash != ?3",
                params![owner, ns.get(), hash],
            )?;
            tx.execute(
                "DELETE FROM messages WHERE owner = ?1 AND namespace = ?2 AND hash != ?3",
                params![owner, ns.get(), hash],
            )?;
        }
        tx.execute("DELETE FROM tombstones WHERE hash = ?1", params![hash])?;
        let existing: Option<i64> = tx
            .query_row(
                "SELECT expiry FROM messages WHERE hash = ?1",
                params![hash],
                |r| r.get(0),
            )
            .optional()?;
        let result = match existing {
            Some(old) if u(old) >= expiry => (u(old), true),
            Some(_) => {
                tx.execute(
                    "UPDATE messages SET expiry = ?2 WHERE hash = ?1",
                    params![hash, i(expiry)],
                )?;
                (expiry, true)
            }
            None => {
                tx.execute(
                    "INSERT INTO messages (hash, owner, namespace, timestamp, expiry, data)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![hash, owner, ns.get(), i(timestamp), i(expiry), data],
                )?;
                (expiry, false)
            }
        };
        tx.commit()?;
        Ok(result)
    }

    /// Messages of `owner` in `ns` stored after `last_hash` (from the start when unknown), not
    /// expired, within `budget`; and whether more remain.
    pub(crate) fn retrieve(
        &self,
        owner: &SwarmPubkey,
        ns: Namespace,
        last_hash: Option<&str>,
        mut budget: RetrieveBudget,
        now_ms: u64,
    ) -> Result<(Vec<StoredMessage>, bool)> {
        let conn = self.lock();
        let owner = owner.to_hex();
        let after: i64 = match last_hash {
            None => 0,
            Some(h) => conn
                .query_row(
                    "SELECT id FROM messages WHERE hash = ?1 AND owner = ?2 AND namespace = ?3",
                    params![h, owner, ns.get()],
                    |r| r.get(0),
                )
                .optional()?
                .unwrap_or(0),
        };
        let mut stmt = conn.prepare_cached(
            "SELECT hash, timestamp, expiry, data FROM messages
             WHERE owner = ?1 AND namespace = ?2 AND id > ?3 AND expiry > ?4 ORDER BY id",
        )?;
        let mut rows = stmt.query(params![owner, ns.get(), after, i(now_ms)])?;
        let mut out = Vec::new();
        let mut more = false;
        while let Some(r) = rows.next()? {
            let hash: String = r.get(0)?;
            let data: Vec<u8> = r.get(3)?;
            if !budget.admit(hash.len(), data.len()) {
                more = true;
                break;
            }
            out.push(StoredMessage {
                hash,
                namespace: ns,
                timestamp: u(r.get(1)?),
                expiry: u(r.get(2)?),
                data,
            });
        }
        Ok((out, more))
    }

    /// Deletes the given hashes of `owner` (any namespace), leaving tombstones; returns the
    /// deleted hashes.
    pub(crate) fn delete(&self, owner: &SwarmPubkey, hashes: &[String]) -> Result<Vec<String>> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let owner = owner.to_hex();
        let mut deleted = Vec::new();
        for h in hashes {
            let row: Option<(i16, i64)> = tx
                .query_row(
                    "SELECT namespace, expiry FROM messages WHERE hash = ?1 AND owner = ?2",
                    params![h, owner],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((ns, expiry)) = row {
                tx.execute("DELETE FROM messages WHERE hash = ?1", params![h])?;
                tx.execute(
                    "INSERT OR REPLACE INTO tombstones (hash, owner, namespace, expiry)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![h, owner, ns, expiry],
                )?;
                deleted.push(h.clone());
            }
        }
        tx.commit()?;
        Ok(deleted)
    }

    /// Deletes `owner`'s messages in `sel` (with `timestamp <= before` when given), leaving
    /// tombstones; returns the deleted (namespace, hash) pairs.
    pub(crate) fn delete_matching(
        &self,
        owner: &SwarmPubkey,
        sel: NamespaceSelector,
        before: Option<u64>,
    ) -> Result<Vec<(Namespace, String)>> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let owner = owner.to_hex();
        let (ns_all, ns) = match sel {
            NamespaceSelector::One(ns) => (false, ns.get()),
            _ => (true, 0),
        };
        let before = i(before.unwrap_or(u64::MAX >> 1));
        let rows: Vec<(i16, String, i64)> = {
            let mut stmt = tx.prepare(
                "SELECT namespace, hash, expiry FROM messages
                 WHERE owner = ?1 AND (?2 OR namespace = ?3) AND timestamp <= ?4",
            )?;
            stmt.query_map(params![owner, ns_all, ns, before], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        for (ns, h, expiry) in &rows {
            tx.execute("DELETE FROM messages WHERE hash = ?1", params![h])?;
            tx.execute(
                "INSERT OR REPLACE INTO tombstones (hash, owner, namespace, expiry)
                 VALUES (?1, ?2, ?3, ?4)",
                params![h, owner, ns, expiry],
            )?;
        }
        tx.commit()?;
        Ok(rows
            .into_iter()
            .map(|(ns, h, _)| (Namespace::new(ns), h))
            .collect())
    }

    /// Shortens every message of `owner` in `sel` whose expiry is later than `expiry`;
    /// returns the updated (namespace, hash) pairs.
    pub(crate) fn expire_all(
        &self,
        owner: &SwarmPubkey,
        sel: NamespaceSelector,
        expiry: u64,
    ) -> Result<Vec<(Namespace, String)>> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let owner = owner.to_hex();
        let (ns_all, ns) = match sel {
            NamespaceSelector::One(ns) => (false, ns.get()),
            _ => (true, 0),
        };
        let rows: Vec<(i16, String)> = {
            let mut stmt = tx.prepare(
                "SELECT namespace, hash FROM messages
                 WHERE owner = ?1 AND (?2 OR namespace = ?3) AND expiry > ?4",
            )?;
            stmt.query_map(params![owner, ns_all, ns, i(expiry)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        tx.execute(
            "UPDATE messages SET expiry = ?4 WHERE owner = ?1 AND (?2 OR namespace = ?3) AND expiry > ?4",
            params![owner, ns_all, ns, i(expiry)],
        )?;
        tx.commit()?;
        Ok(rows
            .into_iter()
            .map(|(ns, h)| (Namespace::new(ns), h))
            .collect())
    }

    /// The expiries of `owner`'s messages among `hashes`.
    pub(crate) fn expiries(
        &self,
        owner: &SwarmPubkey,
        hashes: &[String],
    ) -> Result<Vec<(String, u64)>> {
        let conn = self.lock();
        let owner = owner.to_hex();
        let mut stmt =
            conn.prepare_cached("SELECT expiry FROM messages WHERE hash = ?1 AND owner = ?2")?;
        let mut out = Vec::new();
        for h in hashes {
            if let Some(e) = stmt
                .query_row(params![h, owner], |r| r.get::<_, i64>(0))
                .optional()?
            {
                out.push((h.clone(), u(e)));
            }
        }
        Ok(out)
    }

    /// Sets one message's expiry.
    pub(crate) fn set_expiry(&self, hash: &str, expiry: u64) -> Result<()> {
        self.lock().execute(
            "UPDATE messages SET expiry = ?2 WHERE hash = ?1",
            params![hash, i(expiry)],
        )?;
        Ok(())
    }

    /// Revokes `tokens` for `owner` (`revoke_subaccount` signed at `timestamp`); a token
    /// revoked again becomes the newest. Beyond [`MAX_STORED_REVOCATIONS`] per account the
    /// oldest are dropped.
    pub(crate) fn revoke(
        &self,
        owner: &SwarmPubkey,
        tokens: &[SubaccountToken],
        timestamp: u64,
    ) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let owner = owner.to_hex();
        for t in tokens {
            set_revocation(&tx, &owner, t.as_bytes(), timestamp, true)?;
        }
        trim_revocations(&tx, &owner)?;
        tx.commit()?;
        Ok(())
    }

    /// Lifts the revocation of `tokens` for `owner` (`unrevoke_subaccount` signed at
    /// `timestamp`); returns how many revocations were removed.
    pub(crate) fn unrevoke(
        &self,
        owner: &SwarmPubkey,
        tokens: &[SubaccountToken],
        timestamp: u64,
    ) -> Result<u64> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let owner = owner.to_hex();
        let mut removed = 0u64;
        for t in tokens {
            if let (true, true) = set_revocation(&tx, &owner, t.as_bytes(), timestamp, false)? {
                removed += 1;
            }
        }
        trim_revocations(&tx, &owner)?;
        tx.commit()?;
        Ok(removed)
    }

    /// Merges a peer's revocation states (catch-up): the later (un)revoke of each token wins.
    pub(crate) fn merge_revocations(&self, revocations: &[Revocation]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut owners = std::collections::BTreeSet::new();
        for r in revocations {
            let Ok(token) = hex::decode(&r.token) else {
                continue;
            };
            if token.len() != 36 || r.owner.parse::<SwarmPubkey>().is_err() {
                continue;
            }
            set_revocation(&tx, &r.owner, &token, r.timestamp, r.revoked)?;
            owners.insert(r.owner.as_str());
        }
        for owner in owners {
            trim_revocations(&tx, owner)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether `token` is revoked for `owner`.
    pub(crate) fn is_revoked(&self, owner: &SwarmPubkey, token: &SubaccountToken) -> Result<bool> {
        let found: Option<i64> = self
            .lock()
            .query_row(
                "SELECT seq FROM subaccount_revocations
                 WHERE owner = ?1 AND token = ?2 AND revoked",
                params![owner.to_hex(), token.as_bytes().as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Drops expired messages and tombstones; returns how many messages went.
    pub(crate) fn prune(&self, now_ms: u64) -> Result<usize> {
        let conn = self.lock();
        let n = conn.execute(
            "DELETE FROM messages WHERE expiry <= ?1",
            params![i(now_ms)],
        )?;
        conn.execute(
            "DELETE FROM tombstones WHERE expiry <= ?1",
            params![i(now_ms)],
        )?;
        Ok(n)
    }

    /// Number of stored messages.
    pub(crate) fn count(&self) -> Result<u64> {
        let n: i64 = self
            .lock()
            .query_row("SELECT COUNT(*) FROM messages", [], |r| r.get(0))?;
        Ok(u(n))
    }

    /// One page of what this node holds (unexpired messages, then tombstones) whose owner
    /// passes `keep`, after `cursor`: what a swarm peer sends a catching-up member. A page
    /// holds at most [`SYNC_PAGE_ROWS`] rows and about [`SYNC_PAGE_BYTES`] of data; the
    /// returned cursor is `None` after the last page.
    pub(crate) fn dump_page(
        &self,
        now_ms: u64,
        cursor: SyncCursor,
        keep: impl Fn(&str) -> bool,
    ) -> Result<SyncPage> {
        use base64::Engine as _;
        let conn = self.lock();
        let mut page = SyncPage {
            messages: Vec::new(),
            tombstones: Vec::new(),
            revocations: Vec::new(),
            next: None,
        };
        if cursor == SyncCursor::default() {
            let mut stmt = conn.prepare_cached(
                "SELECT owner, token, timestamp, revoked FROM subaccount_revocations ORDER BY seq",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let owner: String = r.get(0)?;
                if keep(&owner) {
                    page.revocations.push(Revocation {
                        owner,
                        token: hex::encode(r.get::<_, Vec<u8>>(1)?),
                        timestamp: u(r.get(2)?),
                        revoked: r.get(3)?,
                    });
                }
            }
        }
        let mut cur = cursor;
        let (mut rows_n, mut bytes) = (0usize, 0usize);
        let full =
            |rows_n: usize, bytes: usize| rows_n >= SYNC_PAGE_ROWS || bytes >= SYNC_PAGE_BYTES;
        if !cur.messages_done {
            let mut stmt = conn.prepare_cached(
                "SELECT id, hash, owner, namespace, timestamp, expiry, data FROM messages
                 WHERE id > ?1 AND expiry > ?2 ORDER BY id",
            )?;
            let mut rows = stmt.query(params![cur.message_after, i(now_ms)])?;
            let mut exhausted = true;
            while let Some(r) = rows.next()? {
                if full(rows_n, bytes) {
                    exhausted = false;
                    break;
                }
                cur.message_after = r.get(0)?;
                rows_n += 1;
                let owner: String = r.get(2)?;
                if !keep(&owner) {
                    continue;
                }
                let data: Vec<u8> = r.get(6)?;
                bytes += data.len() * 4 / 3 + 200;
                page.messages.push(SyncMessage {
                    hash: r.get(1)?,
                    owner,
                    namespace: r.get(3)?,
                    timestamp: u(r.get(4)?),
                    expiry: u(r.get(5)?),
                    data: base64::engine::general_purpose::STANDARD.encode(data),
                });
            }
            if !exhausted {
                page.next = Some(cur);
                return Ok(page);
            }
            cur.messages_done = true;
        }
        let mut stmt = conn.prepare_cached(
            "SELECT rowid, hash, owner, namespace, expiry FROM tombstones
             WHERE rowid > ?1 AND expiry > ?2 ORDER BY rowid",
        )?;
        let mut rows = stmt.query(params![cur.tombstone_after, i(now_ms)])?;
        while let Some(r) = rows.next()? {
            if full(rows_n, bytes) {
                page.next = Some(cur);
                return Ok(page);
            }
            cur.tombstone_after = r.get(0)?;
            rows_n += 1;
            bytes += 200;
            let owner: String = r.get(2)?;
            if !keep(&owner) {
                continue;
            }
            page.tombstones.push(Tombstone {
                hash: r.get(1)?,
                owner,
                namespace: r.get(3)?,
                expiry: u(r.get(4)?),
            });
        }
        Ok(page)
    }

    /// Everything (all pages of [`Store::dump_page`]); for tests.
    #[cfg(test)]
    pub(crate) fn dump(
        &self,
        now_ms: u64,
        keep: impl Fn(&str) -> bool,
    ) -> Result<(Vec<SyncMessage>, Vec<Tombstone>)> {
        let (mut m, mut t) = (Vec::new(), Vec::new());
        let mut cursor = SyncCursor::default();
        loop {
            let page = self.dump_page(now_ms, cursor, &keep)?;
            m.extend(page.messages);
            t.extend(page.tombstones);
            match page.next {
                Some(c) => cursor = c,
                None => return Ok((m, t)),
            }
        }
    }

    /// Merges a peer's dump: tombstones delete and are kept; messages are inserted unless a
    /// tombstone names them; existing ones get the later expiry. Returns the messages added.
    pub(crate) fn merge(&self, msgs: &[SyncMessage], tombs: &[Tombstone]) -> Result<usize> {
        use base64::Engine as _;
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for t in tombs {
            tx.execute("DELETE FROM messages WHERE hash = ?1", params![t.hash])?;
            tx.execute(
                "INSERT OR REPLACE INTO tombstones (hash, owner, namespace, expiry)
                 VALUES (?1, ?2, ?3, ?4)",
                params![t.hash, t.owner, t.namespace, i(t.expiry)],
            )?;
        }
        let mut added = 0;
        for m in msgs {
            let Ok(data) = base64::engine::general_purpose::STANDARD.decode(&m.data) else {
                continue;
            };
            let tomb: Option<i64> = tx
                .query_row(
                    "SELECT 1 FROM tombstones WHERE hash = ?1",
                    params![m.hash],
                    |r| r.get(0),
                )
                .optional()?;
            if tomb.is_some() {
                continue;
            }
            added += tx.execute(
                "INSERT INTO messages (hash, owner, namespace, timestamp, expiry, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(hash) DO UPDATE SET expiry = MAX(expiry, excluded.expiry)
                 WHERE excluded.expiry > expiry",
                params![
                    m.hash,
                    m.owner,
                    m.namespace,
                    i(m.timestamp),
                    i(m.expiry),
                    data
                ],
            )?;
        }
        tx.commit()?;
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_swarm::namespace::{message_hash, retrieve_limits};

    fn open(name: &str) -> Store {
        let dir =
            std::env::temp_dir().join(format!("session-node-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Store::open(&dir.join("storage.db")).unwrap()
    }

    fn budget() -> RetrieveBudget {
        RetrieveBudget::new(retrieve_limits(None, None))
    }

    const NOW: u64 = 1_700_000_000_000;

    fn token(b: u8) -> SubaccountToken {
        let mut t = [0u8; 36];
        t[0] = 3;
        t[1] = 3;
        t[4..].fill(b);
        SubaccountToken::from_bytes(&t)
    }

    #[test]
    fn revocations_per_account_bounded_and_persistent() {
        let s = open("revoke");
        let (a, b) = (
            SwarmPubkey::from_parts(3, &[1; 32]),
            SwarmPubkey::from_parts(3, &[2; 32]),
        );
        s.revoke(&a, &[token(1), token(2)], NOW).unwrap();
        assert!(s.is_revoked(&a, &token(1)).unwrap());
        assert!(!s.is_revoked(&b, &token(1)).unwrap(), "per account");
        assert!(!s.is_revoked(&a, &token(3)).unwrap());
        assert_eq!(s.unrevoke(&a, &[token(1), token(3)], NOW + 1).unwrap(), 1);
        assert!(!s.is_revoked(&a, &token(1)).unwrap());
        assert!(!s.is_revoked(&a, &token(3)).unwrap());
        // token(2) revoked again becomes the newest; 49 more push out only the older ones.
        s.revoke(&a, &[token(100)], NOW + 2).unwrap();
        s.revoke(&a, &[token(2)], NOW + 3).unwrap();
        let many: Vec<SubaccountToken> = (150..199).map(token).collect();
        s.revoke(&a, &many, NOW + 4).unwrap();
        assert!(s.is_revoked(&a, &token(2)).unwrap());
        assert!(!s.is_revoked(&a, &token(100)).unwrap(), "oldest dropped");
        assert!(many.iter().all(|t| s.is_revoked(&a, t).unwrap()));
        // Kept across a reopen.
        let path = std::env::temp_dir()
            .join(format!("session-node-store-revoke-{}", std::process::id()))
            .join("storage.db");
        drop(s);
        let s = Store::open(&path).unwrap();
        assert!(s.is_revoked(&a, &token(2)).unwrap());
    }

    #[test]
    fn the_later_revoke_or_unrevoke_wins_and_catch_up_carries_it() {
        let a = SwarmPubkey::from_parts(3, &[1; 32]);
        let (up, down) = (open("revoke-up"), open("revoke-down"));
        // Both saw the revocation of token 1; `down` then missed its unrevocation and the
        // revocation of token 2.
        up.revoke(&a, &[token(1)], NOW).unwrap();
        down.revoke(&a, &[token(1)], NOW).unwrap();
        assert_eq!(up.unrevoke(&a, &[token(1)], NOW + 10).unwrap(), 1);
        up.revoke(&a, &[token(2)], NOW + 20).unwrap();
        // An older revocation arriving late changes nothing.
        up.revoke(&a, &[token(1)], NOW + 5).unwrap();
        assert!(!up.is_revoked(&a, &token(1)).unwrap());
        // Catch-up: the first page carries the states of the kept accounts only.
        let first = up.dump_page(NOW, SyncCursor::default(), |_| true).unwrap();
        assert_eq!(first.revocations.len(), 2);
        assert!(
            up.dump_page(NOW, SyncCursor::default(), |_| false)
                .unwrap()
                .revocations
                .is_empty()
        );
        down.merge_revocations(&first.revocations).unwrap();
        assert!(!down.is_revoked(&a, &token(1)).unwrap());
        assert!(down.is_revoked(&a, &token(2)).unwrap());
        // Merging in the other direction does not bring the old revocation back.
        up.merge_revocations(
            &down
                .dump_page(NOW, SyncCursor::default(), |_| true)
                .unwrap()
                .revocations,
        )
        .unwrap();
        assert!(!up.is_revoked(&a, &token(1)).unwrap());
        // Malformed entries from a peer are skipped.
        let bad = Revocation {
            owner: "nope".into(),
            token: "zz".into(),
            timestamp: NOW + 99,
            revoked: true,
        };
        down.merge_revocations(&[bad]).unwrap();
    }

    #[test]
    fn store_once_later_expiry_wins_and_retrieve_after_last_hash() {
        let s = open("once");
        let a = SwarmPubkey::from_parts(5, &[1; 32]);
        let ns = Namespace::DEFAULT;
        let h1 = message_hash(&a, ns, b"one");
        let h2 = message_hash(&a, ns, b"two");
        assert_eq!(
            s.store(&a, ns, &h1, NOW, NOW + 100_000, b"one").unwrap(),
            (NOW + 100_000, false)
        );
        assert_eq!(
            s.store(&a, ns, &h1, NOW, NOW + 50_000, b"one").unwrap(),
            (NOW + 100_000, true)
        );
        assert_eq!(
            s.store(&a, ns, &h1, NOW, NOW + 200_000, b"one").unwrap(),
            (NOW + 200_000, true)
        );
        s.store(&a, ns, &h2, NOW, NOW + 100_000, b"two").unwrap();
        let (all, more) = s.retrieve(&a, ns, None, budget(), NOW).unwrap();
        assert_eq!((all.len(), more), (2, false));
        let (after, _) = s.retrieve(&a, ns, Some(&h1), budget(), NOW).unwrap();
        assert_eq!(
            after.iter().map(|m| m.hash.as_str()).collect::<Vec<_>>(),
            [h2.as_str()]
        );
        let (one, more) = s
            .retrieve(
                &a,
                ns,
                None,
                RetrieveBudget::new(retrieve_limits(Some(1), None)),
                NOW,
            )
            .unwrap();
        assert_eq!((one.len(), more), (1, true));
        // Expired messages are not returned, then pruned.
        let (none, _) = s.retrieve(&a, ns, None, budget(), NOW + 300_000).unwrap();
        assert!(none.is_empty());
        assert_eq!(s.prune(NOW + 300_000).unwrap(), 2);
        assert_eq!(s.count().unwrap(), 0);
    }

    #[test]
    fn public_outbox_keeps_one_and_tombstones_stop_resurrection() {
        let s = open("outbox");
        let a = SwarmPubkey::from_parts(3, &[2; 32]);
        let out = Namespace::new(-21);
        let h1 = message_hash(&a, out, b"v1");
        let h2 = message_hash(&a, out, b"v2");
        s.store(&a, out, &h1, NOW, NOW + 100_000, b"v1").unwrap();
        s.store(&a, out, &h2, NOW, NOW + 100_000, b"v2").unwrap();
        let (msgs, _) = s.retrieve(&a, out, None, budget(), NOW).unwrap();
        assert_eq!(msgs.len(), 1);
        // A peer still holding v1 cannot bring it back.
        let (peer_msgs, _) = {
            let other = open("outbox-peer");
            other
                .store(&a, out, &h1, NOW, NOW + 100_000, b"v1")
                .unwrap();
            other.dump(NOW, |_| true).unwrap()
        };
        assert_eq!(s.merge(&peer_msgs, &[]).unwrap(), 0);
        assert_eq!(s.count().unwrap(), 1);
        // Deletes leave tombstones that travel.
        assert_eq!(
            s.delete(&a, &[h2.clone(), h1.clone()]).unwrap(),
            vec![h2.clone()]
        );
        let (_, tombs) = s.dump(NOW, |_| true).unwrap();
        assert_eq!(tombs.len(), 2);
        let fresh = open("outbox-fresh");
        fresh
            .store(&a, out, &h2, NOW, NOW + 100_000, b"v2")
            .unwrap();
        fresh.merge(&[], &tombs).unwrap();
        assert_eq!(fresh.count().unwrap(), 0);
    }

    #[test]
    fn catch_up_pages() {
        let s = open("pages");
        let a = SwarmPubkey::from_parts(5, &[4; 32]);
        let ns = Namespace::DEFAULT;
        let n = SYNC_PAGE_ROWS + 10;
        for k in 0..n {
            let d = (k as u32).to_le_bytes();
            let h = message_hash(&a, ns, &d);
            s.store(&a, ns, &h, NOW, NOW + 100_000, &d).unwrap();
        }
        let first = s
            .delete(&a, &[message_hash(&a, ns, &0u32.to_le_bytes())])
            .unwrap();
        assert_eq!(first.len(), 1);
        let page = s.dump_page(NOW, SyncCursor::default(), |_| true).unwrap();
        assert_eq!(page.messages.len(), SYNC_PAGE_ROWS);
        let next = page.next.unwrap();
        let last = s.dump_page(NOW, next, |_| true).unwrap();
        assert_eq!(last.messages.len(), n - 1 - SYNC_PAGE_ROWS);
        assert_eq!(last.tombstones.len(), 1);
        assert!(last.next.is_none());
        let (m, t) = s.dump(NOW, |o| o != a.to_hex()).unwrap();
        assert!(m.is_empty() && t.is_empty());
    }

    #[test]
    fn delete_before_expire_all_and_expiries() {
        let s = open("bulk");
        let a = SwarmPubkey::from_parts(5, &[3; 32]);
        for (i, ns) in [0i16, 2, 3].into_iter().enumerate() {
            let ns = Namespace::new(ns);
            let d = [i as u8];
            let h = message_hash(&a, ns, &d);
            s.store(&a, ns, &h, NOW + i as u64, NOW + 100_000, &d)
                .unwrap();
        }
        let all = NamespaceSelector::All;
        let shortened = s.expire_all(&a, all, NOW + 50_000).unwrap();
        assert_eq!(shortened.len(), 3);
        assert!(s.expire_all(&a, all, NOW + 60_000).unwrap().is_empty());
        let gone = s.delete_matching(&a, all, Some(NOW + 1)).unwrap();
        assert_eq!(gone.len(), 2);
        let one = NamespaceSelector::One(Namespace::new(3));
        assert_eq!(s.delete_matching(&a, one, None).unwrap().len(), 1);
        assert_eq!(s.count().unwrap(), 0);
    }
}
