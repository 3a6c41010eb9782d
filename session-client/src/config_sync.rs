//! The account's synced state on the network: the user config messages of `session-config`
//! (profile, contacts, conversations, groups; namespaces 2–5) fetched from the own swarm,
//! merged, and pushed back when they changed (`config.md` §4.3, §6).
//!
//! One sync round ([`Client::sync`]):
//! 1. one signed `retrieve` per config namespace, all four in one `batch` request to a member
//!    of the own swarm (further pages, if any, one namespace at a time);
//! 2. [`UserConfigs::merge`] of everything retrieved (our own current message takes part);
//! 3. for each [`UserConfigs::pushes`] entry: a signed `store` into its namespace, then
//!    [`UserConfigs::confirm_pushed`] with the stored message's hash, then a `delete` of the
//!    hashes that push made obsolete.
//!
//! Every change ([`Profile::set_display_name`], [`ContactList::add`], [`Client::update_configs`])
//! runs such a round with the change applied between steps 2 and 3, so that it is made on top
//! of the newest state (a device that was offline does not push a seqno that others would
//! discard as too old) and returns once the swarm stored it. [`Client::poll`] also runs a round
//! (best effort) alongside its message retrieval, unless [`ClientBuilder::sync_configs_on_poll`]
//! turned that off.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use session_config::{Contact, ProfilePic, UserConfigs};
use session_identity::{AccountId, Ed25519KeyPair};
use session_protocol::proto::LokiProfile;
use session_swarm::response::{RetrieveResponse, RetrievedMessage, parse_batch};
use session_swarm::{Namespace, Retrieve, rpc};

use crate::client::{Client, ClientBuilder};
use crate::error::{Error, Result};

/// Time to live of a pushed config message: 30 days (the private namespaces' maximum, as
/// libsession stores them). A sync extends the current messages' expiry to this again when
/// less than half of it is left, so that an account nobody changes keeps its configs.
pub const CONFIG_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// Config options of a [`ClientBuilder`].
#[derive(Debug, Clone)]
pub(crate) struct ConfigOptions {
    dump: Option<Vec<u8>>,
    on_poll: bool,
}

impl Default for ConfigOptions {
    fn default() -> Self {
        Self {
            dump: None,
            on_poll: true,
        }
    }
}

/// The client's config state: the four user configs and the lock that keeps sync rounds one
/// at a time.
pub(crate) struct ConfigSync {
    configs: Mutex<UserConfigs>,
    round: tokio::sync::Mutex<()>,
    on_poll: bool,
}

impl ConfigSync {
    /// Empty configs, or those of a dump ([`Client::config_dump`]).
    pub(crate) fn new(identity: &Ed25519KeyPair, options: ConfigOptions) -> Result<Self> {
        let configs = match &options.dump {
            Some(d) => UserConfigs::load(identity, d)
                .map_err(|e| Error::InvalidInput(format!("config dump: {e}")))?,
            None => UserConfigs::new(identity),
        };
        Ok(Self {
            configs: Mutex::new(configs),
            round: tokio::sync::Mutex::new(()),
            on_poll: options.on_poll,
        })
    }

    fn lock(&self) -> MutexGuard<'_, UserConfigs> {
        self.configs.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What one sync round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncReport {
    /// Config messages retrieved from the swarm (all four namespaces).
    pub retrieved: usize,
    /// Messages that parsed and took part in a merge.
    pub merged: usize,
    /// What was stored.
    pub pushed: Vec<PushedConfig>,
    /// Obsolete messages some swarm member deleted.
    pub deleted: Vec<String>,
    /// Current messages whose expiry was extended (see [`CONFIG_TTL`]).
    pub extended: Vec<String>,
}

/// One stored config push.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushedConfig {
    /// The namespace (2 profile, 3 contacts, 4 conversations, 5 groups).
    pub namespace: i16,
    /// The config message's seqno.
    pub seqno: i64,
    /// The stored message's hash.
    pub hash: String,
}

/// The account's profile (namespace 2): see [`Client::profile`].
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    client: &'a Client,
}

impl Profile<'_> {
    /// The display name, as far as this client knows (after the last sync or change).
    #[must_use]
    pub fn display_name(&self) -> Option<String> {
        self.client.config_sync().lock().profile.name()
    }

    /// The profile picture (URL and 32-byte key), if set.
    #[must_use]
    pub fn profile_picture(&self) -> Option<ProfilePic> {
        self.client.config_sync().lock().profile.profile_pic()
    }

    /// Sets the display name (≤ 100 bytes; empty removes it) and returns once the swarm
    /// stored the new profile (see the module docs). Later messages carry it.
    ///
    /// # Errors
    /// [`Error::Config`] (invalid input) for a name over 100 bytes, before anything is sent;
    /// the request errors.
    pub async fn set_display_name(self, name: &str) -> Result<SyncReport> {
        let name = name.to_owned();
        self.client
            .change_configs(move |c| c.profile.set_name(&name))
            .await
            .map(|(_, r)| r)
    }

    /// Sets the profile picture: `url` of the encrypted image and its 32-byte key (an empty
    /// URL removes it).
    ///
    /// # Errors
    /// [`Error::Config`] for a URL over 223 bytes; the request errors.
    pub async fn set_profile_picture(self, url: &str, key: &[u8]) -> Result<SyncReport> {
        let pic = ProfilePic::new(url, key.to_vec());
        self.client
            .change_configs(move |c| c.profile.set_profile_pic(&pic))
            .await
            .map(|(_, r)| r)
    }
}

/// The account's contacts (namespace 3): see [`Client::contacts`].
#[derive(Debug, Clone, Copy)]
pub struct ContactList<'a> {
    client: &'a Client,
}

impl ContactList<'_> {
    /// Every contact, ordered by Account ID.
    #[must_use]
    pub fn list(&self) -> Vec<Contact> {
        self.client.config_sync().lock().contacts.all()
    }

    /// One contact.
    #[must_use]
    pub fn get(&self, id: &AccountId) -> Option<Contact> {
        self.client.config_sync().lock().contacts.get(id)
    }

    /// Adds `id` as an approved contact (or approves an existing one), with their display
    /// name if given (truncated to 100 bytes), and returns once the swarm stored the list.
    ///
    /// # Errors
    /// The request errors.
    pub async fn add(self, id: &AccountId, name: Option<&str>) -> Result<SyncReport> {
        self.edit(id, |contact| {
            contact.approved = true;
            if let Some(n) = name {
                n.clone_into(&mut contact.name);
            }
        })
        .await
    }

    /// Sets a contact's display name (creating the entry if needed; truncated to 100 bytes).
    ///
    /// # Errors
    /// The request errors.
    pub async fn set_name(self, id: &AccountId, name: &str) -> Result<SyncReport> {
        self.edit(id, |contact| name.clone_into(&mut contact.name))
            .await
    }

    /// Applies `edit` to contact `id` (created if missing) and returns once the swarm stored
    /// the list.
    async fn edit(self, id: &AccountId, edit: impl Fn(&mut Contact) + Send) -> Result<SyncReport> {
        self.client
            .change_configs(move |c| {
                let mut contact = c.contacts.get_or_construct(id);
                edit(&mut contact);
                c.contacts.set(&contact)
            })
            .await
            .map(|(_, r)| r)
    }

    /// Sets our nickname for a contact (≤ 100 bytes).
    ///
    /// # Errors
    /// [`Error::Config`] over 100 bytes; the request errors.
    pub async fn set_nickname(self, id: &AccountId, nickname: &str) -> Result<SyncReport> {
        let id = *id;
        let nickname = nickname.to_owned();
        self.client
            .change_configs(move |c| c.contacts.set_nickname(&id, &nickname))
            .await
            .map(|(_, r)| r)
    }

    /// Removes a contact.
    ///
    /// # Errors
    /// The request errors.
    pub async fn remove(self, id: &AccountId) -> Result<SyncReport> {
        let id = *id;
        self.client
            .change_configs(move |c| {
                c.contacts.erase(&id);
                Ok(())
            })
            .await
            .map(|(_, r)| r)
    }
}

impl ClientBuilder {
    /// Starts from a dump of the account's configs kept by the app ([`Client::config_dump`])
    /// instead of empty ones: what the app knew (including changes not pushed yet) is there
    /// before the first sync, which then merges what the other devices changed meanwhile.
    pub fn config_dump(mut self, dump: Vec<u8>) -> Self {
        self.config.dump = Some(dump);
        self
    }

    /// Whether [`Client::poll`] also syncs the account's configs (default: yes).
    pub fn sync_configs_on_poll(mut self, on: bool) -> Self {
        self.config.on_poll = on;
        self
    }
}

impl Client {
    /// The account's profile: display name and picture, synced with the account's other
    /// devices.
    ///
    /// ```no_run
    /// # async fn demo(client: session_client::Client) -> session_client::Result<()> {
    /// client.sync().await?; // what the other devices set
    /// println!("I am {:?}", client.profile().display_name());
    /// client.profile().set_display_name("Alice").await?; // stored on the swarm
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn profile(&self) -> Profile<'_> {
        Profile { client: self }
    }

    /// The account's contacts, synced with the account's other devices.
    ///
    /// ```no_run
    /// # async fn demo(client: session_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let bob: session_identity::AccountId =
    ///     "0586584f2cbedb434506fc7203192c943ae2ee7d19f2607772985a93bf78a0bc26".parse()?;
    /// client.contacts().add(&bob, Some("Bob")).await?;
    /// for c in client.contacts().list() {
    ///     println!("{} {}", c.id, c.name);
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn contacts(&self) -> ContactList<'_> {
        ContactList { client: self }
    }

    /// A copy of the account's four user configs as this client knows them (for what the
    /// handles do not cover: conversations, groups, …).
    #[must_use]
    pub fn user_configs(&self) -> UserConfigs {
        self.config_sync().lock().clone()
    }

    /// A local dump of the configs, to give to [`ClientBuilder::config_dump`] next time.
    #[must_use]
    pub fn config_dump(&self) -> Vec<u8> {
        self.config_sync().lock().dump()
    }

    /// Whether the configs changed since the last [`Client::config_dump`].
    #[must_use]
    pub fn config_needs_dump(&self) -> bool {
        self.config_sync().lock().needs_dump()
    }

    /// One sync round (see the module docs): fetch and merge the account's config messages,
    /// push what changed (a merge of conflicting messages, or a change whose push failed
    /// before), delete what the push made obsolete.
    ///
    /// # Errors
    /// The request errors (nothing was merged when the fetch failed; a failed push is retried
    /// by the next round).
    pub async fn sync(&self) -> Result<SyncReport> {
        self.change_configs(|_| Ok(())).await.map(|(_, r)| r)
    }

    /// Any change of the user configs, made on top of the newest state and pushed (see the
    /// module docs); returns what `change` returned.
    ///
    /// ```no_run
    /// # async fn demo(client: session_client::Client) -> session_client::Result<()> {
    /// client.update_configs(|c| { c.profile.set_nts_priority(1); Ok(()) }).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Config`] when `change` fails (checked on a copy before anything is sent; it
    /// may be called twice); the request errors.
    pub async fn update_configs<R>(
        &self,
        change: impl Fn(&mut UserConfigs) -> session_config::Result<R> + Send,
    ) -> Result<R> {
        self.change_configs(change).await.map(|(r, _)| r)
    }

    async fn change_configs<R>(
        &self,
        change: impl Fn(&mut UserConfigs) -> session_config::Result<R> + Send,
    ) -> Result<(R, SyncReport)> {
        // Bad input fails before anything is sent.
        {
            let mut probe = self.config_sync().lock().clone();
            change(&mut probe)?;
        }
        let _round = self.config_sync().round.lock().await;
        self.sync_round(change).await
    }

    /// The round of [`Client::poll`]: skipped when another round is running; failures only
    /// logged.
    pub(crate) async fn sync_on_poll(&self) {
        let sync = self.config_sync();
        if !sync.on_poll {
            return;
        }
        let Ok(_round) = sync.round.try_lock() else {
            return;
        };
        if let Err(e) = self.sync_round(|_| Ok(())).await {
            tracing::debug!(error = %e, "config sync failed; the next poll retries");
        }
    }

    /// One round; the caller holds the round lock.
    async fn sync_round<R>(
        &self,
        change: impl Fn(&mut UserConfigs) -> session_config::Result<R>,
    ) -> Result<(R, SyncReport)> {
        let fetched = self.fetch_configs().await?;
        let mut report = SyncReport::default();
        let (result, pushes) = {
            let mut configs = self.config_sync().lock();
            for (ns, messages) in &fetched {
                if messages.is_empty() {
                    continue;
                }
                report.retrieved += messages.len();
                let inputs: Vec<(&str, &[u8])> = messages
                    .iter()
                    .map(|m| (m.hash.as_str(), m.data.as_slice()))
                    .collect();
                report.merged += configs.merge(*ns, &inputs)?.len();
            }
            let result = change(&mut configs)?;
            let now = i64::try_from(self.network_now_ms()).unwrap_or(i64::MAX);
            (result, configs.pushes(now)?)
        };
        for push in pushes {
            let receipt = self
                .store_own(Namespace::new(push.namespace), push.data, CONFIG_TTL)
                .await?;
            self.config_sync()
                .lock()
                .confirm_pushed(push.namespace, push.seqno, &receipt.hash);
            tracing::debug!(
                namespace = push.namespace,
                seqno = push.seqno,
                obsolete = push.obsolete_hashes.len(),
                "config pushed"
            );
            report.pushed.push(PushedConfig {
                namespace: push.namespace,
                seqno: push.seqno,
                hash: receipt.hash,
            });
            if !push.obsolete_hashes.is_empty() {
                // Best effort: what is left expires with its TTL.
                match self.delete(&push.obsolete_hashes).await {
                    Ok(mut deleted) => report.deleted.append(&mut deleted),
                    Err(e) => tracing::debug!(error = %e, "deleting obsolete configs failed"),
                }
            }
        }
        report.extended = self.extend_current(&fetched).await;
        Ok((result, report))
    }

    /// A current config message that no device changes would expire with its TTL: those
    /// with less than half of [`CONFIG_TTL`] left get a new expiry of [`CONFIG_TTL`] from now
    /// (best effort; returns the hashes some member updated).
    async fn extend_current(&self, fetched: &[(i16, Vec<RetrievedMessage>)]) -> Vec<String> {
        let ttl_ms = u64::try_from(CONFIG_TTL.as_millis()).unwrap_or(u64::MAX);
        let now = self.network_now_ms();
        let current: Vec<String> = {
            let c = self.config_sync().lock();
            [
                c.profile.base(),
                c.contacts.base(),
                c.convos.base(),
                c.groups.base(),
            ]
            .into_iter()
            .filter(|b| !b.needs_push())
            .filter_map(|b| b.current_hash().map(str::to_owned))
            .collect()
        };
        let stale: Vec<String> = fetched
            .iter()
            .flat_map(|(_, messages)| messages)
            .filter(|m| current.contains(&m.hash) && m.expiration < now + ttl_ms / 2)
            .map(|m| m.hash.clone())
            .collect();
        if stale.is_empty() {
            return Vec::new();
        }
        match self.expire(&stale, now + ttl_ms).await {
            Ok(updated) => updated,
            Err(e) => {
                tracing::debug!(error = %e, "extending the config messages' expiry failed");
                Vec::new()
            }
        }
    }

    /// Every message of the four config namespaces: one `batch` of four signed retrieves to a
    /// member of the own swarm, then further pages where a namespace has more.
    async fn fetch_configs(&self) -> Result<Vec<(i16, Vec<RetrievedMessage>)>> {
        let now = self.network_now_ms();
        let retrieves = UserConfigs::NAMESPACES
            .iter()
            .map(|ns| {
                Retrieve {
                    namespace: Namespace::new(*ns),
                    ..Default::default()
                }
                .sign(self.auth(), now)
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let request = rpc::batch(&retrieves)?;
        let body = self.raw_request(self.account_id(), &request).await?;
        let answers = parse_batch(&body)?;
        let mut out = Vec::with_capacity(UserConfigs::NAMESPACES.len());
        for (ns, answer) in UserConfigs::NAMESPACES.iter().zip(answers) {
            answer.check()?;
            let page = RetrieveResponse::parse(&answer.body_bytes())?;
            let namespace = Namespace::new(*ns);
            let mut messages: Vec<RetrievedMessage> = page
                .messages
                .into_iter()
                .filter(|m| m.hash_matches(self.swarm_key(), namespace))
                .collect();
            if page.more {
                if let Some(last) = messages.last().map(|m| m.hash.clone()) {
                    messages.append(&mut self.retrieve_own(namespace, Some(last)).await?);
                }
            }
            out.push((*ns, messages));
        }
        if out.len() != UserConfigs::NAMESPACES.len() {
            return Err(Error::Swarm(session_swarm::Error::MalformedResponse(
                "batch answer with missing results",
            )));
        }
        Ok(out)
    }

    /// The profile outgoing messages carry: the synced display name (else the builder's) and
    /// picture, with the picture's key for `DataMessage.profileKey`.
    pub(crate) fn outgoing_profile(
        &self,
        fallback_name: Option<&str>,
    ) -> (Option<LokiProfile>, Option<Vec<u8>>) {
        let (name, pic) = {
            let configs = self.config_sync().lock();
            (configs.profile.name(), configs.profile.profile_pic())
        };
        let name = name.or_else(|| fallback_name.map(str::to_owned));
        let pic = pic.filter(ProfilePic::is_set);
        if name.is_none() && pic.is_none() {
            return (None, None);
        }
        let key = pic.as_ref().map(|p| p.key.clone());
        (
            Some(LokiProfile {
                display_name: name,
                profile_picture: pic.map(|p| p.url),
            }),
            key,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_dump_is_invalid_input() {
        let me = Ed25519KeyPair::from_seed(&[3; 32]);
        let options = ConfigOptions {
            dump: Some(b"not a dump".to_vec()),
            on_poll: true,
        };
        let e = ConfigSync::new(&me, options).err();
        assert!(matches!(e, Some(Error::InvalidInput(_))), "{e:?}");
    }

    #[test]
    fn a_dump_round_trips_into_a_new_sync_state() {
        let me = Ed25519KeyPair::from_seed(&[4; 32]);
        let mut configs = UserConfigs::new(&me);
        configs.profile.set_name("Alice").unwrap();
        let options = ConfigOptions {
            dump: Some(configs.dump()),
            on_poll: false,
        };
        let sync = ConfigSync::new(&me, options).unwrap();
        assert_eq!(sync.lock().profile.name().as_deref(), Some("Alice"));
        assert!(sync.lock().needs_push(), "the unpushed change is kept");
        assert!(!sync.on_poll);
    }
}
