//! Deterministic generator of realistic AWS CloudTrail logs.
//!
//! It writes the committed `demo-logs/` tree and much larger trees for
//! benchmarks. The layout is CloudTrail's S3 delivery layout
//! (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`, plus a few
//! `CloudTrail-Digest` files a loader must skip). A scripted story around
//! `CreateAccessKey` (see [`story`] and `demo-logs/README.md`) is present at
//! every size; background noise scales with [`DemoOptions::events`].
//!
//! Determinism: every log file is built from its own PRNG seeded from
//! `(seed, file index)`, the story from its own seed, and all planning uses
//! integer arithmetic, so the output is byte-identical for the same options
//! whatever the number of rayon threads or the platform.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use rayon::prelude::*;

/// Default number of records (story + noise).
pub const DEFAULT_EVENTS: usize = 4000;
/// Default seed; the committed `demo-logs/` tree uses it.
pub const DEFAULT_SEED: u64 = 0x7472_6169_6c68_756e; // "trailhun"
/// Default span in days.
pub const DEFAULT_DAYS: u32 = 3;
/// First second of the generated span: 2026-11-02T00:00:00Z.
pub const START: i64 = days_from_civil(2026, 11, 2) * 86_400;
/// The "prod" account.
pub const PROD_ACCOUNT: &str = "111122223333";
/// The "dev" account.
pub const DEV_ACCOUNT: &str = "444455556666";
/// Regions with log files; IAM and other global calls are logged in the first.
pub const REGIONS: [&str; 4] = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"];
/// Trail name used in digest file names.
pub const TRAIL_NAME: &str = "org-trail";
/// Bucket the trail delivers to (named in digest files).
pub const TRAIL_BUCKET: &str = "acme-org-cloudtrail-logs";

/// What to generate and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Root of the tree; files go under `<out>/AWSLogs/`.
    pub out: PathBuf,
    /// Total number of records written (story records included). When it is
    /// smaller than the story, the story alone is written.
    pub events: usize,
    /// PRNG seed; same options give byte-identical output.
    pub seed: u64,
    /// Days covered, starting at [`START`]. Must be at least 1.
    pub days: u32,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            out: PathBuf::from("demo-logs"),
            events: DEFAULT_EVENTS,
            seed: DEFAULT_SEED,
            days: DEFAULT_DAYS,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// CloudTrail log files (the ones with `Records`).
    pub files: usize,
    /// Records in those files, the duplicated delivery counted twice.
    pub events: usize,
    /// Uncompressed JSON bytes of all files written, digests included.
    pub bytes_raw: u64,
    /// Bytes on disk of all files written, digests included.
    pub bytes_gz: u64,
    /// `CloudTrail-Digest` files (not counted in `files`).
    pub digest_files: usize,
}

/// Identifiers of the scripted story, so tests and docs can refer to them.
///
/// Times assume `days >= 3` (the default); with fewer days, events of a later
/// day are moved to the last day at the same time of day.
pub mod story {
    /// Compromised developer (account [`super::PROD_ACCOUNT`]).
    pub const ALICE: &str = "dev-alice";
    /// Her usual address.
    pub const ALICE_IP: &str = "198.51.100.23";
    /// Her usual client.
    pub const ALICE_UA: &str = "aws-cli/2.15.30 Python/3.11.8 Darwin/23.3.0 exe/x86_64";
    /// Her long-term key, used both by her and by the attacker.
    pub const ALICE_KEY: &str = "AKIAR7JQ2XMZD4LPA3VN";
    /// Attacker address.
    pub const ATTACKER_IP: &str = "203.0.113.66";
    /// Attacker client.
    pub const ATTACKER_UA: &str =
        "aws-cli/2.13.0 Python/3.11.4 Linux/6.5.0-kali3-amd64 exe/x86_64.kali.2023";
    /// Victim admin whose new key the attacker creates.
    pub const BOB: &str = "admin-bob";
    /// admin-bob's own, pre-existing key (used from 192.0.2.10).
    pub const BOB_KEY: &str = "AKIAR7JQ2XMZBW6K5T2H";
    /// Key the attacker creates for admin-bob with dev-alice's key.
    pub const BOB_NEW_KEY: &str = "AKIAR7JQ2XMZN5H3QY7E";
    /// When dev-alice's key creates [`BOB_NEW_KEY`].
    pub const ATTACK_CREATE_TIME: &str = "2026-11-03T02:16:05Z";
    /// Backdoor user created with [`BOB_NEW_KEY`].
    pub const BACKDOOR_USER: &str = "svc-backup2";
    /// Key created for [`BACKDOOR_USER`] with [`BOB_NEW_KEY`].
    pub const BACKDOOR_KEY: &str = "AKIAR7JQ2XMZP2C6VD4S";
    /// When [`BACKDOOR_KEY`] is created.
    pub const BACKDOOR_CREATE_TIME: &str = "2026-11-03T03:41:02Z";
    /// Role of the nightly key-rotation Lambda (both accounts).
    pub const ROTATION_ROLE: &str = "KeyRotationAutomation";
    /// Its session name.
    pub const ROTATION_SESSION: &str = "key-rotator";
    /// Users whose keys it rotates every night at about 01:00 UTC.
    pub const ROTATED_USERS: [&str; 3] = ["svc-ci", "svc-metrics", "svc-backup"];
    /// dev-carol's self-service key (requestParameters.userName "dev-carol").
    pub const CAROL_SELF_KEY: &str = "AKIAR7JQ2XMZC3K7WQ2L";
    /// ops-dave's self-service key (requestParameters.userName "Ops-Dave").
    pub const DAVE_SELF_KEY: &str = "AKIAR7JQ2XMZD5V2RT6J";
    /// dev-gina's self-service key (requestParameters null).
    pub const GINA_SELF_KEY: &str = "AKIAWB5N4PLTG7N3HD2Q";
    /// dev-henry's self-service key (requestParameters absent).
    pub const HENRY_SELF_KEY: &str = "AKIAWB5N4PLTH6Y4MK3B";
    /// Key the SSO admin creates for svc-reporting in the console ("AWS Internal").
    pub const REPORTING_KEY: &str = "AKIAR7JQ2XMZS4R6PT3E";
    /// Key dev-admin-frank creates for dev-ivan in the console (delivered twice).
    pub const IVAN_KEY: &str = "AKIAWB5N4PLTV2F5KW7C";
    /// When [`IVAN_KEY`] is created; the record is delivered in two files.
    pub const DUPLICATE_TIME: &str = "2026-11-03T14:03:27Z";
    /// The dev account root user's own access key.
    pub const ROOT_KEY: &str = "AKIAWB5N4PLTQ3D2ZX6F";
    /// Key the root user creates for dev-admin-frank.
    pub const ROOT_CREATED_KEY: &str = "AKIAWB5N4PLTF3R7XZ2M";
    /// Key jackson creates for jack.
    pub const JACK_KEY: &str = "AKIAR7JQ2XMZJ2K4CX5A";
}

/// Writes the tree described by `opts` and returns what was written.
///
/// Existing files with the same names are overwritten; nothing is deleted.
pub fn generate(opts: &DemoOptions) -> io::Result<DemoSummary> {
    if opts.days == 0 || opts.days > 3660 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "days must be between 1 and 3660",
        ));
    }
    let plan = Plan::new(opts);
    let story = build_story(&plan);
    let noise_total = opts.events.saturating_sub(story.len());
    let counts = allocate_noise(&plan, noise_total);

    // Story records per file, kept in time order.
    let mut story_by_file: Vec<Vec<usize>> = vec![Vec::new(); plan.file_count()];
    for (k, rec) in story.iter().enumerate() {
        story_by_file[plan.file_index(rec.acct, rec.region, rec.slice)].push(k);
    }
    for list in &mut story_by_file {
        list.sort_by_key(|&k| (story[k].t, story[k].ord));
    }

    let digests = plan_digests(&plan);
    let mut want_hash = vec![false; plan.file_count()];
    for d in &digests {
        for &f in &d.files {
            want_hash[f] = true;
        }
    }

    let tables = [
        [
            build_table(ACCOUNTS[0].actors, false),
            build_table(ACCOUNTS[0].actors, true),
        ],
        [
            build_table(ACCOUNTS[1].actors, false),
            build_table(ACCOUNTS[1].actors, true),
        ],
    ];
    let env = Env {
        plan: &plan,
        story: &story,
        tables: &tables,
    };
    let jobs: Vec<Job> = (0..plan.file_count())
        .filter(|&i| counts[i] > 0 || !story_by_file[i].is_empty())
        .map(|i| Job {
            index: i,
            noise: counts[i],
            story: &story_by_file[i],
            want_hash: want_hash[i],
        })
        .collect();
    let outs: Vec<Option<FileOut>> = {
        let written: io::Result<Vec<FileOut>> = jobs
            .par_iter()
            .map(|job| write_log_file(&env, job))
            .collect();
        let mut by_index: Vec<Option<FileOut>> = (0..plan.file_count()).map(|_| None).collect();
        for (job, out) in jobs.iter().zip(written?) {
            by_index[job.index] = Some(out);
        }
        by_index
    };

    let mut summary = DemoSummary::default();
    for out in outs.iter().flatten() {
        summary.files += 1;
        summary.events += out.records;
        summary.bytes_raw += out.raw;
        summary.bytes_gz += out.gz;
    }
    for (k, d) in digests.iter().enumerate() {
        let (raw, gz) = write_digest(&plan, d, k as u64, &outs)?;
        summary.digest_files += 1;
        summary.bytes_raw += raw;
        summary.bytes_gz += gz;
    }
    Ok(summary)
}

// ---------------------------------------------------------------------------
// PRNG and hashing

/// splitmix64 finaliser: a cheap, well-mixed bijection on u64.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Seed of one output file. Depends only on the run seed and the file's
/// position in the plan, never on scheduling.
fn file_seed(seed: u64, index: u64) -> u64 {
    mix64(seed ^ mix64(index.wrapping_add(0x5851_F42D_4C95_7F2D)))
}

const STORY_SALT: u64 = 0x5354_4f52_5953_414c;
const DIGEST_SALT: u64 = 0x4449_4745_5354_5f5f;

/// splitmix64: tiny, fast, and plenty for synthetic data.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }

    /// Uniform in `0..n` (n > 0), by multiply-high to avoid modulo bias.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..hi` (hi > lo).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    /// True with probability `num / den`.
    fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// FNV-1a over the parts (with a separator), then mixed: stable name hashes
/// for principal ids and derived keys, independent of the run seed.
fn name_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    mix64(h)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn push_chars(s: &mut String, rng: &mut Rng, alphabet: &[u8], n: usize) {
    for _ in 0..n {
        s.push(char::from(*rng.pick(alphabet)));
    }
}

fn push_hex(s: &mut String, rng: &mut Rng, n: usize) {
    push_chars(s, rng, b"0123456789abcdef", n);
}

/// `prefix` followed by `n` base32 characters derived from `parts`.
fn push_hashed_id(s: &mut String, prefix: &str, parts: &[&str], n: usize) {
    s.push_str(prefix);
    push_chars(s, &mut Rng::new(name_hash(parts)), B32, n);
}

// ---------------------------------------------------------------------------
// Time

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's algorithm).
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Broken-down UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tm {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    min: u32,
    sec: u32,
}

fn tm(t: i64) -> Tm {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400) as u32;
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Tm {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
    }
}

fn push2(s: &mut String, v: u32) {
    s.push(char::from(b'0' + (v / 10) as u8));
    s.push(char::from(b'0' + (v % 10) as u8));
}

/// `YYYY-MM-DDTHH:MM:SSZ`, CloudTrail's eventTime format.
fn push_iso(s: &mut String, t: i64) {
    let x = tm(t);
    let _ = write!(s, "{:04}-", x.year);
    push2(s, x.month);
    s.push('-');
    push2(s, x.day);
    s.push('T');
    push2(s, x.hour);
    s.push(':');
    push2(s, x.min);
    s.push(':');
    push2(s, x.sec);
    s.push('Z');
}

#[cfg(test)]
fn iso(t: i64) -> String {
    let mut s = String::with_capacity(20);
    push_iso(&mut s, t);
    s
}

/// `YYYYMMDDTHHMM` (file names), with seconds when asked (digest names).
fn compact_time(t: i64, seconds: bool) -> String {
    let x = tm(t);
    let mut s = format!(
        "{:04}{:02}{:02}T{:02}{:02}",
        x.year, x.month, x.day, x.hour, x.min
    );
    if seconds {
        let _ = write!(s, "{:02}", x.sec);
    }
    s.push('Z');
    s
}

/// `YYYY/MM/DD`, the date directories of the S3 layout.
fn date_dirs(t: i64) -> String {
    let x = tm(t);
    format!("{:04}/{:02}/{:02}", x.year, x.month, x.day)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Nov 2, 2026, 10:11:12 AM`: how IAM and STS dates appear in responseElements.
fn push_aws_date(s: &mut String, t: i64) {
    let x = tm(t);
    let h12 = if x.hour.is_multiple_of(12) {
        12
    } else {
        x.hour % 12
    };
    let ampm = if x.hour < 12 { "AM" } else { "PM" };
    let _ = write!(
        s,
        "{} {}, {}, {}:{:02}:{:02} {}",
        MONTHS[x.month as usize - 1],
        x.day,
        x.year,
        h12,
        x.min,
        x.sec,
        ampm
    );
}

// ---------------------------------------------------------------------------
// JSON output

/// Writes `v` as a JSON string; most values need no escaping at all.
fn push_escaped(s: &mut String, v: &str) {
    s.push('"');
    if v.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        s.push_str(v);
    } else {
        for c in v.chars() {
            match c {
                '"' => s.push_str("\\\""),
                '\\' => s.push_str("\\\\"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(s, "\\u{:04x}", c as u32);
                }
                c => s.push(c),
            }
        }
    }
    s.push('"');
}

/// Appends formatted text to a `String` (writing to a String cannot fail).
macro_rules! put {
    ($buf:expr, $($arg:tt)*) => {{
        let _ = write!($buf, $($arg)*);
    }};
}

// ---------------------------------------------------------------------------
// Identities and records

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    User,
    Role,
    Root,
    Service,
}

/// A CloudTrail `userIdentity`.
struct Ident<'a> {
    kind: Kind,
    account: &'a str,
    /// IAM user name, role name, or service principal for `Service`.
    name: &'a str,
    /// Role path such as `service-role/` (roles only).
    path: &'a str,
    session: &'a str,
    /// accessKeyId, empty when the event has none (ConsoleLogin, services).
    key: &'a str,
    /// Session creation time: role sessions and console sessions.
    created: Option<i64>,
    mfa: bool,
    invoked_by: Option<&'a str>,
}

impl<'a> Ident<'a> {
    fn user(account: &'a str, name: &'a str, key: &'a str) -> Self {
        Ident {
            kind: Kind::User,
            account,
            name,
            path: "",
            session: "",
            key,
            created: None,
            mfa: false,
            invoked_by: None,
        }
    }

    fn role(account: &'a str, role: (&'a str, &'a str), session: &'a str, key: &'a str) -> Self {
        Ident {
            kind: Kind::Role,
            path: role.0,
            session,
            ..Ident::user(account, role.1, key)
        }
    }

    fn service(service: &'a str) -> Self {
        Ident {
            kind: Kind::Service,
            invoked_by: Some(service),
            ..Ident::user("", service, "")
        }
    }

    fn root(account: &'a str, key: &'a str) -> Self {
        Ident {
            kind: Kind::Root,
            ..Ident::user(account, "", key)
        }
    }

    fn arn(&self) -> String {
        let (acct, name, session) = (self.account, self.name, self.session);
        match self.kind {
            Kind::User => format!("arn:aws:iam::{acct}:user/{name}"),
            Kind::Role => format!("arn:aws:sts::{acct}:assumed-role/{name}/{session}"),
            Kind::Root => format!("arn:aws:iam::{acct}:root"),
            Kind::Service => name.to_string(),
        }
    }

    fn write(&self, s: &mut String) {
        let acct = self.account;
        match self.kind {
            Kind::User => {
                s.push_str(r#"{"type":"IAMUser","principalId":""#);
                push_hashed_id(s, "AIDA", &[acct, self.name], 17);
                put!(s, r#"","arn":"{}","accountId":"{acct}""#, self.arn());
                self.write_key(s);
                s.push_str(r#","userName":"#);
                push_escaped(s, self.name);
                if let Some(created) = self.created {
                    // Console sessions of IAM users carry an empty issuer.
                    s.push_str(
                        r#","sessionContext":{"sessionIssuer":{},"webIdFederationData":{},"#,
                    );
                    self.write_attributes(s, created);
                    s.push('}');
                }
            }
            Kind::Role => {
                let mut role_id = String::with_capacity(21);
                push_hashed_id(&mut role_id, "AROA", &[acct, self.name], 17);
                put!(
                    s,
                    r#"{{"type":"AssumedRole","principalId":"{role_id}:{}","arn":"{}","accountId":"{acct}""#,
                    self.session,
                    self.arn()
                );
                self.write_key(s);
                put!(
                    s,
                    r#","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{role_id}","arn":"arn:aws:iam::{acct}:role/{}{}","accountId":"{acct}","userName":"{}"}},"webIdFederationData":{{}},"#,
                    self.path,
                    self.name,
                    self.name
                );
                self.write_attributes(s, self.created.unwrap_or(0));
                s.push('}');
                if let Some(by) = self.invoked_by {
                    put!(s, r#","invokedBy":"{by}""#);
                }
            }
            Kind::Root => {
                put!(
                    s,
                    r#"{{"type":"Root","principalId":"{acct}","arn":"{}","accountId":"{acct}""#,
                    self.arn()
                );
                self.write_key(s);
            }
            Kind::Service => put!(s, r#"{{"type":"AWSService","invokedBy":"{}""#, self.name),
        }
        s.push('}');
    }

    fn write_key(&self, s: &mut String) {
        if !self.key.is_empty() {
            put!(s, r#","accessKeyId":"{}""#, self.key);
        }
    }

    fn write_attributes(&self, s: &mut String, created: i64) {
        s.push_str(r#""attributes":{"creationDate":""#);
        push_iso(s, created);
        put!(s, r#"","mfaAuthenticated":"{}"}}"#, self.mfa);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ReqId {
    Uuid,
    /// S3 uses 16 upper-case hex digits.
    S3,
    /// ConsoleLogin has none.
    None,
}

/// tlsDetails: derived from the service endpoint, an explicit host, or absent
/// (AWS services calling on a principal's behalf, console sessions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tls<'a> {
    Auto,
    Host(&'a str),
    Off,
}

/// Where a call comes from: (sourceIPAddress, userAgent).
type Client<'a> = (&'a str, &'a str);

/// One CloudTrail record. JSON fragments are pre-rendered; `req: None` omits
/// requestParameters entirely, an empty `extra`/`resources` omits those keys.
struct Ev<'a> {
    version: &'static str,
    who: Ident<'a>,
    t: i64,
    source: &'a str,
    name: &'a str,
    region: &'a str,
    ip: &'a str,
    ua: &'a str,
    error: Option<(&'a str, &'a str)>,
    req: Option<&'a str>,
    resp: &'a str,
    extra: &'a str,
    request_id: ReqId,
    read_only: bool,
    resources: &'a str,
    event_type: &'static str,
    data: bool,
    recipient: &'a str,
    tls: Tls<'a>,
    console: bool,
}

impl<'a> Ev<'a> {
    /// A successful management API call `(eventSource, eventName)` with the
    /// common defaults.
    fn api(
        who: Ident<'a>,
        t: i64,
        call: (&'a str, &'a str),
        region: &'a str,
        client: Client<'a>,
        read_only: bool,
    ) -> Self {
        let service_call = who.kind == Kind::Service || who.invoked_by.is_some();
        Ev {
            version: "1.09",
            recipient: who.account,
            who,
            t,
            source: call.0,
            name: call.1,
            region,
            ip: client.0,
            ua: client.1,
            error: None,
            req: Some("null"),
            resp: "null",
            extra: "",
            request_id: ReqId::Uuid,
            read_only,
            resources: "",
            event_type: "AwsApiCall",
            data: false,
            tls: if service_call { Tls::Off } else { Tls::Auto },
            console: false,
        }
    }

    /// The same call made from a console session.
    fn in_console(self) -> Self {
        Ev {
            tls: Tls::Off,
            console: true,
            ..self
        }
    }
}

fn render(out: &mut String, rng: &mut Rng, ev: &Ev<'_>) {
    let s = out;
    put!(s, r#"{{"eventVersion":"{}","userIdentity":"#, ev.version);
    ev.who.write(s);
    s.push_str(r#","eventTime":""#);
    push_iso(s, ev.t);
    put!(
        s,
        r#"","eventSource":"{}","eventName":"{}","awsRegion":"{}","sourceIPAddress":"{}","userAgent":"#,
        ev.source,
        ev.name,
        ev.region,
        ev.ip
    );
    push_escaped(s, ev.ua);
    if let Some((code, message)) = ev.error {
        put!(s, r#","errorCode":"{code}","errorMessage":"#);
        push_escaped(s, message);
    }
    if let Some(req) = ev.req {
        put!(s, r#","requestParameters":{req}"#);
    }
    let resp = if ev.error.is_some() { "null" } else { ev.resp };
    put!(s, r#","responseElements":{resp}"#);
    if !ev.extra.is_empty() {
        put!(s, r#","additionalEventData":{}"#, ev.extra);
    }
    match ev.request_id {
        ReqId::Uuid => {
            s.push_str(r#","requestID":""#);
            push_uuid(s, rng);
            s.push('"');
        }
        ReqId::S3 => put!(s, r#","requestID":"{:016X}""#, rng.next_u64()),
        ReqId::None => {}
    }
    s.push_str(r#","eventID":""#);
    push_uuid(s, rng);
    put!(s, r#"","readOnly":{}"#, ev.read_only);
    if !ev.resources.is_empty() {
        put!(s, r#","resources":{}"#, ev.resources);
    }
    put!(
        s,
        r#","eventType":"{}","managementEvent":{},"recipientAccountId":"{}","eventCategory":"{}""#,
        ev.event_type,
        !ev.data,
        ev.recipient,
        if ev.data { "Data" } else { "Management" }
    );
    let mut auto = String::new();
    let host = match ev.tls {
        Tls::Auto => {
            push_host(&mut auto, ev.source, ev.region);
            Some(auto.as_str())
        }
        Tls::Host(h) => Some(h),
        Tls::Off => None,
    };
    if let Some(host) = host {
        // Older Windows CLI builds negotiate TLS 1.2; everything else 1.3.
        let (version, suite) = if ev.ua.contains("Windows") {
            ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256")
        } else {
            ("TLSv1.3", "TLS_AES_128_GCM_SHA256")
        };
        put!(
            s,
            r#","tlsDetails":{{"tlsVersion":"{version}","cipherSuite":"{suite}","clientProvidedHostHeader":"{host}"}}"#
        );
    }
    if ev.console {
        s.push_str(r#","sessionCredentialFromConsole":"true""#);
    }
    s.push('}');
}

// ---------------------------------------------------------------------------
// Cast: accounts and the principals that make background noise

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    DescribeInstances,
    DescribeSecurityGroups,
    RunInstances,
    ListBuckets,
    GetObject,
    PutObject,
    AssumeRole,
    GetCallerIdentity,
    ConsoleLogin,
    DescribeLogGroups,
    ListUsers,
    GetUser,
    ListAccessKeys,
    Decrypt,
    GetParameter,
    DescribeTable,
    GetMetricData,
}

const EC2: &str = "ec2.amazonaws.com";
const S3: &str = "s3.amazonaws.com";
const STS: &str = "sts.amazonaws.com";
const IAM: &str = "iam.amazonaws.com";
const SIGNIN: &str = "signin.amazonaws.com";
const LOGS: &str = "logs.amazonaws.com";
const USE1: &str = "us-east-1";

struct ActMeta {
    source: &'static str,
    name: &'static str,
    read_only: bool,
    /// Global services are logged in us-east-1 only.
    global: bool,
}

impl Act {
    fn meta(self) -> ActMeta {
        let (source, name, read_only, global) = match self {
            Act::DescribeInstances => (EC2, "DescribeInstances", true, false),
            Act::DescribeSecurityGroups => (EC2, "DescribeSecurityGroups", true, false),
            Act::RunInstances => (EC2, "RunInstances", false, false),
            Act::ListBuckets => (S3, "ListBuckets", true, true),
            Act::GetObject => (S3, "GetObject", true, false),
            Act::PutObject => (S3, "PutObject", false, false),
            Act::AssumeRole => (STS, "AssumeRole", false, false),
            Act::GetCallerIdentity => (STS, "GetCallerIdentity", true, false),
            Act::ConsoleLogin => (SIGNIN, "ConsoleLogin", false, true),
            Act::DescribeLogGroups => (LOGS, "DescribeLogGroups", true, false),
            Act::ListUsers => (IAM, "ListUsers", true, true),
            Act::GetUser => (IAM, "GetUser", true, true),
            Act::ListAccessKeys => (IAM, "ListAccessKeys", true, true),
            Act::Decrypt => ("kms.amazonaws.com", "Decrypt", true, false),
            Act::GetParameter => ("ssm.amazonaws.com", "GetParameter", true, false),
            Act::DescribeTable => ("dynamodb.amazonaws.com", "DescribeTable", true, false),
            Act::GetMetricData => ("monitoring.amazonaws.com", "GetMetricData", true, false),
        };
        ActMeta {
            source,
            name,
            read_only,
            global,
        }
    }
}

/// The endpoint host a client would send (tlsDetails.clientProvidedHostHeader).
fn push_host(s: &mut String, source: &str, region: &str) {
    let service = source.trim_end_matches(".amazonaws.com");
    match service {
        "iam" => s.push_str("iam.amazonaws.com"),
        "signin" => s.push_str("signin.aws.amazon.com"),
        "s3" => s.push_str("s3.amazonaws.com"),
        "sts" if region == USE1 => s.push_str("sts.amazonaws.com"),
        _ => put!(s, "{service}.{region}.amazonaws.com"),
    }
}

/// IAM action prefix for AccessDenied messages; None where noise never fails.
fn policy_prefix(source: &str) -> Option<&'static str> {
    match source.trim_end_matches(".amazonaws.com") {
        "ec2" => Some("ec2"),
        "logs" => Some("logs"),
        "iam" => Some("iam"),
        "kms" => Some("kms"),
        "ssm" => Some("ssm"),
        "dynamodb" => Some("dynamodb"),
        "monitoring" => Some("cloudwatch"),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeySrc {
    /// A literal long-term key (story principals).
    Fixed(&'static str),
    /// A long-term key derived from the user name.
    Derived,
    /// Replaced every night by the rotation Lambda.
    Rotating,
    /// Temporary ASIA credentials, renewed hourly.
    Session,
    None,
}

struct Actor {
    kind: Kind,
    name: &'static str,
    path: &'static str,
    session: &'static str,
    key: KeySrc,
    client: Client<'static>,
    /// Browser used for ConsoleLogin (console actors only).
    browser: &'static str,
    console: bool,
    invoked_by: Option<&'static str>,
    /// Role (path + name, session) this actor assumes in AssumeRole noise.
    assumes: Option<(&'static str, &'static str)>,
    weight: u64,
    acts: &'static [(Act, u64)],
}

struct Account {
    id: &'static str,
    label: &'static str,
    /// Characters 5-12 of this account's key ids (real key ids share them).
    code: &'static str,
    rotation_ip: &'static str,
    users: &'static [&'static str],
    actors: &'static [Actor],
}

const UA_UBUNTU: &str = "aws-cli/2.15.30 Python/3.11.8 Linux/6.8.0-45-generic exe/x86_64.ubuntu.24";
const UA_WINDOWS: &str = "aws-cli/2.17.50 Python/3.12.6 Windows/10 exe/AMD64";
const UA_MAC_ARM: &str = "aws-cli/2.17.20 Python/3.11.9 Darwin/24.0.0 exe/arm64";
const UA_TERRAFORM: &str = "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) terraform-provider-aws/5.74.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.32.3 ua/2.1 os/linux lang/go#1.23.2 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.187.0";
const UA_GHA: &str = "aws-cli/2.18.1 Python/3.12.6 Linux/6.5.0-1025-azure exe/x86_64.ubuntu.22 exec-env/GitHub_Actions";
const UA_BOTO_EC2: &str = "Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.1.112-122.189.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.35.36";
const UA_GO: &str = "aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2";
const UA_LAMBDA: &str = "Boto3/1.34.34 md/Botocore#1.34.34 ua/2.0 os/linux#5.10.205-211.749.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.1 md/pyimpl#CPython exec-env#AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.34";
const UA_ROOT: &str = "aws-cli/2.18.1 Python/3.12.6 Linux/6.1.0-26-amd64 exe/x86_64.debian.12";
const UA_CHROME: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
const UA_FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0";
const AWS_INTERNAL: &str = "AWS Internal";
const CONSOLE_UA: &str = "console.amazonaws.com";
const SSO_ROLE: (&str, &str) = (
    "aws-reserved/sso.amazonaws.com/",
    "AWSReservedSSO_AdministratorAccess_5e1c2a3b4d6f7a8b",
);
const SSO_SESSION: &str = "erin.ops@example.com";
const ROTATOR_ROLE: (&str, &str) = ("", story::ROTATION_ROLE);

const ALICE_HOME: Client<'static> = (story::ALICE_IP, story::ALICE_UA);
const ATTACKER: Client<'static> = (story::ATTACKER_IP, story::ATTACKER_UA);
const BOB_CLI: Client<'static> = ("192.0.2.10", UA_WINDOWS);
const CAROL: Client<'static> = ("198.51.100.41", UA_UBUNTU);
const DAVE: Client<'static> = ("203.0.113.10", UA_TERRAFORM);
const JACKSON: Client<'static> = ("198.51.100.52", UA_MAC_ARM);
const ERIN_CONSOLE: Client<'static> = ("192.0.2.45", AWS_INTERNAL);
const GINA: Client<'static> = ("198.51.100.61", UA_MAC_ARM);
const HENRY: Client<'static> = ("198.51.100.62", UA_UBUNTU);
const FRANK_CONSOLE: Client<'static> = ("198.51.100.77", CONSOLE_UA);
const ROOT_CLI: Client<'static> = ("192.0.2.99", UA_ROOT);

use Act::*;

const DEV_ACTS: &[(Act, u64)] = &[
    (DescribeInstances, 5),
    (DescribeSecurityGroups, 2),
    (DescribeLogGroups, 3),
    (GetCallerIdentity, 2),
    (ListBuckets, 2),
    (GetObject, 4),
    (PutObject, 2),
    (Decrypt, 1),
    (GetParameter, 2),
    (DescribeTable, 1),
];
const OPS_ACTS: &[(Act, u64)] = &[
    (DescribeInstances, 5),
    (DescribeSecurityGroups, 4),
    (RunInstances, 1),
    (DescribeLogGroups, 2),
    (ListUsers, 1),
    (GetUser, 1),
    (GetCallerIdentity, 1),
    (GetMetricData, 2),
];
const CONSOLE_ADMIN_ACTS: &[(Act, u64)] = &[
    (ConsoleLogin, 1),
    (ListUsers, 2),
    (GetUser, 2),
    (ListAccessKeys, 2),
    (DescribeInstances, 3),
    (DescribeSecurityGroups, 1),
    (ListBuckets, 2),
    (DescribeLogGroups, 1),
    (GetMetricData, 2),
];
const SSO_ACTS: &[(Act, u64)] = &[
    (ListUsers, 2),
    (GetUser, 2),
    (ListAccessKeys, 1),
    (DescribeInstances, 3),
    (DescribeSecurityGroups, 2),
    (ListBuckets, 2),
    (GetMetricData, 2),
];
const CLI_ADMIN_ACTS: &[(Act, u64)] = &[
    (ListUsers, 1),
    (GetUser, 1),
    (DescribeInstances, 2),
    (GetCallerIdentity, 1),
    (ListBuckets, 1),
];
const CI_ACTS: &[(Act, u64)] = &[
    (GetCallerIdentity, 2),
    (AssumeRole, 2),
    (PutObject, 5),
    (GetObject, 3),
    (DescribeInstances, 1),
];
const METRICS_ACTS: &[(Act, u64)] = &[
    (DescribeInstances, 3),
    (DescribeLogGroups, 2),
    (GetMetricData, 5),
];
const BACKUP_ACTS: &[(Act, u64)] = &[(GetObject, 4), (PutObject, 4), (ListBuckets, 1)];
const LAMBDA_ACTS: &[(Act, u64)] = &[
    (GetObject, 4),
    (PutObject, 3),
    (Decrypt, 3),
    (GetParameter, 3),
    (DescribeTable, 2),
];
const EC2_ACTS: &[(Act, u64)] = &[
    (GetObject, 5),
    (PutObject, 2),
    (Decrypt, 2),
    (GetParameter, 2),
    (DescribeTable, 1),
];
const ASG_ACTS: &[(Act, u64)] = &[(RunInstances, 1), (DescribeInstances, 2)];
const SERVICE_ACTS: &[(Act, u64)] = &[(AssumeRole, 1)];

const fn user(
    name: &'static str,
    client: Client<'static>,
    weight: u64,
    acts: &'static [(Act, u64)],
) -> Actor {
    Actor {
        kind: Kind::User,
        name,
        path: "",
        session: "",
        key: KeySrc::Derived,
        client,
        browser: "",
        console: false,
        invoked_by: None,
        assumes: None,
        weight,
        acts,
    }
}

const fn with_key(actor: Actor, key: &'static str) -> Actor {
    Actor {
        key: KeySrc::Fixed(key),
        ..actor
    }
}

const fn rotating(
    name: &'static str,
    client: Client<'static>,
    weight: u64,
    acts: &'static [(Act, u64)],
) -> Actor {
    Actor {
        key: KeySrc::Rotating,
        ..user(name, client, weight, acts)
    }
}

const fn console_user(
    name: &'static str,
    client: Client<'static>,
    browser: &'static str,
    weight: u64,
) -> Actor {
    Actor {
        key: KeySrc::Session,
        browser,
        console: true,
        ..user(name, client, weight, CONSOLE_ADMIN_ACTS)
    }
}

const fn role(
    role: (&'static str, &'static str),
    session: &'static str,
    client: Client<'static>,
    weight: u64,
    acts: &'static [(Act, u64)],
) -> Actor {
    Actor {
        kind: Kind::Role,
        path: role.0,
        session,
        key: KeySrc::Session,
        ..user(role.1, client, weight, acts)
    }
}

/// An AWS service assuming a role on a workload's behalf.
const fn service(name: &'static str, assumes: (&'static str, &'static str), weight: u64) -> Actor {
    Actor {
        kind: Kind::Service,
        key: KeySrc::None,
        invoked_by: Some(name),
        assumes: Some(assumes),
        ..user(name, (name, name), weight, SERVICE_ACTS)
    }
}

const ASG: Actor = Actor {
    invoked_by: Some("autoscaling.amazonaws.com"),
    ..role(
        (
            "aws-service-role/autoscaling.amazonaws.com/",
            "AWSServiceRoleForAutoScaling",
        ),
        "AutoScaling",
        ("autoscaling.amazonaws.com", "autoscaling.amazonaws.com"),
        2,
        ASG_ACTS,
    )
};

static PROD_ACTORS: [Actor; 16] = [
    with_key(
        user(story::ALICE, ALICE_HOME, 10, DEV_ACTS),
        story::ALICE_KEY,
    ),
    user("dev-carol", CAROL, 8, DEV_ACTS),
    user("ops-dave", DAVE, 6, OPS_ACTS),
    console_user(story::BOB, ("192.0.2.10", AWS_INTERNAL), UA_FIREFOX, 4),
    with_key(user(story::BOB, BOB_CLI, 2, CLI_ADMIN_ACTS), story::BOB_KEY),
    user("jackson", JACKSON, 3, DEV_ACTS),
    user("jack", ("198.51.100.53", UA_UBUNTU), 2, DEV_ACTS),
    Actor {
        console: true,
        ..role(SSO_ROLE, SSO_SESSION, ERIN_CONSOLE, 3, SSO_ACTS)
    },
    Actor {
        assumes: Some(("ci-deploy", "gha-deploy")),
        ..rotating("svc-ci", ("192.0.2.200", UA_GHA), 8, CI_ACTS)
    },
    rotating(
        "svc-metrics",
        ("44.203.11.87", UA_BOTO_EC2),
        6,
        METRICS_ACTS,
    ),
    rotating("svc-backup", ("52.94.133.17", UA_GO), 5, BACKUP_ACTS),
    role(
        ("service-role/", "order-processor-role"),
        "order-processor",
        ("3.91.171.2", UA_LAMBDA),
        15,
        LAMBDA_ACTS,
    ),
    role(
        ("", "app-server-role"),
        "i-0a1b2c3d4e5f60718",
        ("54.85.204.112", UA_BOTO_EC2),
        12,
        EC2_ACTS,
    ),
    ASG,
    service(
        "lambda.amazonaws.com",
        ("service-role/order-processor-role", "order-processor"),
        6,
    ),
    service(
        "ec2.amazonaws.com",
        ("app-server-role", "i-0a1b2c3d4e5f60718"),
        3,
    ),
];

static DEV_ACTORS: [Actor; 12] = [
    user("dev-gina", GINA, 8, DEV_ACTS),
    user("dev-henry", HENRY, 6, DEV_ACTS),
    console_user("dev-admin-frank", FRANK_CONSOLE, UA_CHROME, 3),
    user(
        "dev-admin-frank",
        ("198.51.100.77", UA_MAC_ARM),
        2,
        CLI_ADMIN_ACTS,
    ),
    user("dev-ivan", ("198.51.100.78", UA_UBUNTU), 4, DEV_ACTS),
    Actor {
        assumes: Some(("ci-deploy", "gha-deploy")),
        ..rotating("svc-ci", ("192.0.2.201", UA_GHA), 6, CI_ACTS)
    },
    rotating(
        "svc-metrics",
        ("44.203.11.90", UA_BOTO_EC2),
        4,
        METRICS_ACTS,
    ),
    rotating("svc-backup", ("52.94.133.20", UA_GO), 3, BACKUP_ACTS),
    role(
        ("service-role/", "sandbox-fn-role"),
        "sandbox-fn",
        ("34.201.12.77", UA_LAMBDA),
        10,
        LAMBDA_ACTS,
    ),
    role(
        ("", "dev-box-role"),
        "i-0f9e8d7c6b5a40312",
        ("54.166.20.9", UA_BOTO_EC2),
        6,
        EC2_ACTS,
    ),
    service(
        "lambda.amazonaws.com",
        ("service-role/sandbox-fn-role", "sandbox-fn"),
        4,
    ),
    service(
        "ec2.amazonaws.com",
        ("dev-box-role", "i-0f9e8d7c6b5a40312"),
        2,
    ),
];

static ACCOUNTS: [Account; 2] = [
    Account {
        id: PROD_ACCOUNT,
        label: "prod",
        code: "R7JQ2XMZ",
        rotation_ip: "3.236.94.41",
        users: &[
            "dev-alice",
            "dev-carol",
            "ops-dave",
            "admin-bob",
            "jackson",
            "jack",
            "svc-ci",
            "svc-metrics",
            "svc-backup",
            "svc-reporting",
        ],
        actors: &PROD_ACTORS,
    },
    Account {
        id: DEV_ACCOUNT,
        label: "dev",
        code: "WB5N4PLT",
        rotation_ip: "44.202.79.130",
        users: &[
            "dev-gina",
            "dev-henry",
            "dev-admin-frank",
            "dev-ivan",
            "svc-ci",
            "svc-metrics",
            "svc-backup",
        ],
        actors: &DEV_ACTORS,
    },
];

fn account_index(id: &str) -> usize {
    usize::from(id != PROD_ACCOUNT)
}

/// `AKIA`/`ASIA` + account code + 8 characters derived from `parts`.
fn push_key(s: &mut String, prefix: &str, acct: &Account, parts: &[&str]) {
    s.push_str(prefix);
    s.push_str(acct.code);
    push_chars(s, &mut Rng::new(name_hash(parts)), B32, 8);
}

fn derived_key(acct: usize, name: &str) -> String {
    let account = &ACCOUNTS[acct];
    let mut s = String::with_capacity(20);
    push_key(&mut s, "AKIA", account, &["user", account.id, name]);
    s
}

/// Key of a rotated service user after `generation` rotations.
fn rotation_key(acct: &Account, user: &str, generation: u32) -> String {
    let mut s = String::with_capacity(20);
    let generation = generation.to_string();
    push_key(
        &mut s,
        "AKIA",
        acct,
        &["rotation", acct.id, user, &generation],
    );
    s
}

/// Temporary credentials last an hour; the hour boundary is shifted per
/// principal so not every session renews at the same second.
/// Returns (session key, session creation time).
fn session_key(acct: usize, name: &str, session: &str, t: i64) -> (String, i64) {
    let account = &ACCOUNTS[acct];
    let offset = (name_hash(&[account.id, name, session]) % 3600) as i64;
    let bucket = (t - offset).div_euclid(3600);
    let mut s = String::with_capacity(20);
    push_key(
        &mut s,
        "ASIA",
        account,
        &[account.id, name, session, &bucket.to_string()],
    );
    (s, bucket * 3600 + offset)
}

/// When the rotation Lambda starts in `acct` on day `day` (0-based).
fn rotation_start(plan: &Plan, acct: usize, day: u32) -> i64 {
    plan.start + i64::from(day) * 86_400 + 3600 + 2 + 5 * acct as i64
}

/// When it creates the new key of `ROTATED_USERS[user]`.
fn rotation_create_time(plan: &Plan, acct: usize, user: usize, day: u32) -> i64 {
    rotation_start(plan, acct, day) + 3 + 4 * user as i64 + 1
}

/// Fills `key` with the accessKeyId `actor` uses at `t` and returns the
/// session creation time for session credentials.
fn actor_key(key: &mut String, plan: &Plan, acct: usize, actor: &Actor, t: i64) -> Option<i64> {
    key.clear();
    let account = &ACCOUNTS[acct];
    match actor.key {
        KeySrc::Fixed(k) => key.push_str(k),
        KeySrc::Derived => key.push_str(&derived_key(acct, actor.name)),
        KeySrc::Rotating => {
            let user = story::ROTATED_USERS
                .iter()
                .position(|u| *u == actor.name)
                .unwrap_or(0);
            let generation = (0..plan.days)
                .filter(|&d| rotation_create_time(plan, acct, user, d) <= t)
                .count() as u32;
            key.push_str(&rotation_key(account, actor.name, generation));
        }
        KeySrc::Session => {
            let (k, created) = session_key(acct, actor.name, actor.session, t);
            key.push_str(&k);
            return Some(created);
        }
        KeySrc::None => {}
    }
    None
}

// ---------------------------------------------------------------------------
// Planning: which files exist and how many noise records each holds

const ACCOUNT_WEIGHT: [u64; 2] = [65, 35];
const REGION_WEIGHT: [u64; 4] = [45, 25, 18, 12];
/// Activity by UTC hour: the company works US hours (about 13-23 UTC).
const HOURLY: [u64; 24] = [
    30, 25, 22, 20, 20, 22, 25, 30, 40, 50, 60, 70, 80, 95, 100, 100, 100, 95, 90, 85, 70, 55, 45,
    35,
];
/// Slice lengths (minutes) all divide a day, so slices align with dates.
const SLICE_MINUTES: [u32; 12] = [5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440];

struct Plan {
    seed: u64,
    out: PathBuf,
    days: u32,
    start: i64,
    end: i64,
    slice: i64,
    slices: usize,
}

impl Plan {
    fn new(opts: &DemoOptions) -> Self {
        let minutes = slice_minutes(opts.events, opts.days);
        let slice = i64::from(minutes) * 60;
        let span = i64::from(opts.days) * 86_400;
        Plan {
            seed: opts.seed,
            out: opts.out.clone(),
            days: opts.days,
            start: START,
            end: START + span,
            slice,
            slices: (span / slice) as usize,
        }
    }

    fn streams() -> usize {
        ACCOUNTS.len() * REGIONS.len()
    }

    fn file_count(&self) -> usize {
        Self::streams() * self.slices
    }

    fn file_index(&self, acct: usize, region: usize, slice: usize) -> usize {
        (acct * REGIONS.len() + region) * self.slices + slice
    }

    /// (account, region, slice) of a file index.
    fn file_pos(&self, index: usize) -> (usize, usize, usize) {
        let stream = index / self.slices;
        (
            stream / REGIONS.len(),
            stream % REGIONS.len(),
            index % self.slices,
        )
    }

    fn slice_of(&self, t: i64) -> usize {
        ((t - self.start) / self.slice) as usize
    }

    fn slice_start(&self, slice: usize) -> i64 {
        self.start + slice as i64 * self.slice
    }
}

/// About 250 records per file at benchmark sizes, but at least ~96 files so
/// small trees still have a realistic spread; at least two slices per stream
/// so the duplicated delivery can land in a second file.
fn slice_minutes(events: usize, days: u32) -> u32 {
    let target_files = (events / 250).max(96) as f64;
    let ideal = f64::from(days) * 1440.0 * Plan::streams() as f64 / target_files;
    let max = days * 1440 / 2;
    let ratio = |m: u32| {
        let m = f64::from(m);
        if m > ideal { m / ideal } else { ideal / m }
    };
    SLICE_MINUTES
        .iter()
        .copied()
        .filter(|&m| m <= max)
        .min_by(|&a, &b| ratio(a).total_cmp(&ratio(b)))
        .unwrap_or(SLICE_MINUTES[0])
}

/// Splits `total` noise records over files in proportion to account, region,
/// hour-of-day and a per-file jitter, exactly, with integer arithmetic only.
fn allocate_noise(plan: &Plan, total: usize) -> Vec<usize> {
    let weights: Vec<u64> = (0..plan.file_count())
        .map(|i| {
            let (acct, region, slice) = plan.file_pos(i);
            let s0 = plan.slice_start(slice);
            let hours: u64 = (0..plan.slice / 60)
                .map(|m| HOURLY[(tm(s0 + m * 60).hour) as usize])
                .sum();
            let jitter = 800 + mix64(plan.seed ^ mix64(i as u64 ^ 0xA11C)) % 400;
            ACCOUNT_WEIGHT[acct] * REGION_WEIGHT[region] * hours * jitter
        })
        .collect();
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    let mut counts = Vec::with_capacity(weights.len());
    let mut cum: u128 = 0;
    let mut given: u128 = 0;
    for w in weights {
        cum += u128::from(w);
        let upto = total as u128 * cum / sum;
        counts.push((upto - given) as usize);
        given = upto;
    }
    counts
}

struct Entry {
    cum: u64,
    actor: &'static Actor,
    act: Act,
}

/// Cumulative (actor, action) weights; global actions only in us-east-1.
fn build_table(actors: &'static [Actor], us_east_1: bool) -> Vec<Entry> {
    let mut cum = 0;
    let mut table = Vec::new();
    for actor in actors {
        for &(act, w) in actor.acts {
            if act.meta().global && !us_east_1 {
                continue;
            }
            cum += actor.weight * w;
            table.push(Entry { cum, actor, act });
        }
    }
    table
}

fn pick_entry<'t>(table: &'t [Entry], rng: &mut Rng) -> &'t Entry {
    let total = table.last().map_or(1, |e| e.cum);
    let r = rng.below(total);
    &table[table.partition_point(|e| e.cum <= r)]
}

// ---------------------------------------------------------------------------
// Request/response fragments. They are JSON templates filled with trusted
// values (generated ids, fixed names): nothing needs escaping.

#[derive(Default)]
struct Scratch {
    key: String,
    req: String,
    resp: String,
    extra: String,
    res: String,
    host: String,
    err: String,
}

impl Scratch {
    fn clear(&mut self) {
        for s in [
            &mut self.req,
            &mut self.resp,
            &mut self.extra,
            &mut self.res,
            &mut self.host,
        ] {
            s.clear();
        }
    }
}

fn push_uuid(s: &mut String, rng: &mut Rng) {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    put!(
        s,
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    );
}

/// Stable per-(account, region) resource id, e.g. a KMS key or subnet.
fn stable_hex(parts: &[&str], n: usize) -> String {
    let mut s = String::with_capacity(n);
    push_hex(&mut s, &mut Rng::new(name_hash(parts)), n);
    s
}

fn instance_id(acct: &Account, region: &str, n: u64) -> String {
    format!(
        "i-0{}",
        stable_hex(&["instance", acct.id, region, &n.to_string()], 16)
    )
}

fn user_req(name: &str) -> String {
    format!(r#"{{"userName":"{name}"}}"#)
}

fn create_key_resp(user: &str, key: &str, t: i64) -> String {
    let mut s = format!(
        r#"{{"accessKey":{{"userName":"{user}","accessKeyId":"{key}","status":"Active","createDate":""#
    );
    push_aws_date(&mut s, t);
    s.push_str(r#""}}"#);
    s
}

fn console_login_extra(buf: &mut String, account: &str, user: &str) {
    put!(
        buf,
        r#"{{"LoginTo":"https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_7a3f2b9c1d4e5f60","MobileVersion":"No","MFAIdentifier":"arn:aws:iam::{account}:mfa/{user}","MFAUsed":"Yes"}}"#
    );
}

/// additionalEventData of S3 calls, with the random-looking `x-amz-id-2`.
fn s3_extra(buf: &mut String, rng: &mut Rng, bytes_in: i64, bytes_out: i64) {
    let mut id2 = String::with_capacity(76);
    push_chars(&mut id2, rng, B64, 75);
    put!(
        buf,
        r#"{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":{bytes_in},"AuthenticationMethod":"AuthHeader","x-amz-id-2":"{id2}=","bytesTransferredOut":{bytes_out}}}"#
    );
}

/// An S3 object-level (data event) call: fills req, extra, res and host.
fn s3_object(
    sc: &mut Scratch,
    rng: &mut Rng,
    account: &str,
    region: &str,
    object: (&str, &str),
    bytes: (i64, i64),
) {
    let (bucket, key) = object;
    put!(sc.host, "{bucket}.s3.{region}.amazonaws.com");
    put!(
        sc.req,
        r#"{{"bucketName":"{bucket}","Host":"{}","key":"{key}"}}"#,
        sc.host
    );
    s3_extra(&mut sc.extra, rng, bytes.0, bytes.1);
    put!(
        sc.res,
        r#"[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::{bucket}/{key}"}},{{"accountId":"{account}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{bucket}"}}]"#
    );
}

fn s3_object_key(rng: &mut Rng, kind: &str, t: i64) -> String {
    let x = tm(t);
    let (y, m, d) = (x.year, x.month, x.day);
    match kind {
        "app-data" => format!(
            "orders/{y:04}/{m:02}/{d:02}/orders-{:05}.json.gz",
            rng.below(20_000)
        ),
        "build-artifacts" => {
            let project = rng.pick(&["web-frontend", "api", "worker"]);
            let file = rng.pick(&["app.tar.gz", "manifest.json", "sbom.spdx.json"]);
            let mut commit = String::new();
            push_hex(&mut commit, rng, 8);
            format!("builds/{project}/{commit}/{file}")
        }
        _ => format!(
            "app/{y:04}/{m:02}/{d:02}/{:02}/web-{:02}-{:04}.log.gz",
            x.hour,
            rng.below(12),
            rng.below(10_000)
        ),
    }
}

/// AssumeRole of `role` (path, name) with `session`: fills req, resp, res.
/// The issued key is the one [`session_key`] gives that session at `t`.
fn assume_role_body(
    sc: &mut Scratch,
    rng: &mut Rng,
    acct: usize,
    role: (&str, &str),
    session: &str,
    t: i64,
) {
    let account = ACCOUNTS[acct].id;
    let (path, name) = role;
    let role_arn = format!("arn:aws:iam::{account}:role/{path}{name}");
    put!(
        sc.req,
        r#"{{"roleArn":"{role_arn}","roleSessionName":"{session}"}}"#
    );
    let (key, _) = session_key(acct, name, session, t);
    let mut token = String::with_capacity(200);
    push_chars(&mut token, rng, B64, 180);
    let mut role_id = String::with_capacity(21);
    push_hashed_id(&mut role_id, "AROA", &[account, name], 17);
    put!(
        sc.resp,
        r#"{{"credentials":{{"accessKeyId":"{key}","sessionToken":"IQoJb3JpZ2luX2VjE{token}","expiration":""#
    );
    push_aws_date(&mut sc.resp, t + 3600);
    put!(
        sc.resp,
        r#""}},"assumedRoleUser":{{"assumedRoleId":"{role_id}:{session}","arn":"arn:aws:sts::{account}:assumed-role/{name}/{session}"}}}}"#
    );
    put!(
        sc.res,
        r#"[{{"accountId":"{account}","type":"AWS::IAM::Role","ARN":"{role_arn}"}}]"#
    );
}

fn run_instances_body(sc: &mut Scratch, rng: &mut Rng, acct: &Account, region: &str, t: i64) {
    let mut ami = String::new();
    push_hex(&mut ami, rng, 16);
    let itype = *rng.pick(&["t3.medium", "m6i.large", "c6i.xlarge"]);
    let subnet = stable_hex(&["subnet", acct.id, region], 16);
    let vpc = stable_hex(&["vpc", acct.id, region], 16);
    let sg = stable_hex(&["sg", acct.id, region], 16);
    let instance = instance_id(acct, region, 1000 + rng.below(1_000_000));
    let (a, b) = (rng.below(16), 4 + rng.below(250));
    let az = rng.pick(&["a", "b", "c"]);
    let mut reservation = String::new();
    push_hex(&mut reservation, rng, 16);
    let mut token = String::new();
    push_uuid(&mut token, rng);
    let mut request = String::new();
    push_uuid(&mut request, rng);
    put!(
        sc.req,
        r#"{{"instancesSet":{{"items":[{{"imageId":"ami-0{ami}","minCount":1,"maxCount":1}}]}},"instanceType":"{itype}","blockDeviceMapping":{{}},"monitoring":{{"enabled":false}},"disableApiTermination":false,"disableApiStop":false,"subnetId":"subnet-0{subnet}","clientToken":"{token}"}}"#
    );
    put!(
        sc.resp,
        r#"{{"requestId":"{request}","reservationId":"r-0{reservation}","ownerId":"{}","groupSet":{{}},"instancesSet":{{"items":[{{"instanceId":"{instance}","imageId":"ami-0{ami}","instanceState":{{"code":0,"name":"pending"}},"privateDnsName":"ip-10-0-{a}-{b}.{region}.compute.internal","amiLaunchIndex":0,"productCodes":{{}},"instanceType":"{itype}","launchTime":{},"placement":{{"availabilityZone":"{region}{az}","tenancy":"default"}},"monitoring":{{"state":"disabled"}},"subnetId":"subnet-0{subnet}","vpcId":"vpc-0{vpc}","privateIpAddress":"10.0.{a}.{b}","stateReason":{{"code":"pending","message":"pending"}},"architecture":"x86_64","rootDeviceType":"ebs","rootDeviceName":"/dev/xvda","blockDeviceMapping":{{}},"virtualizationType":"hvm","hypervisor":"xen","groupSet":{{"items":[{{"groupId":"sg-0{sg}","groupName":"default"}}]}},"sourceDestCheck":true,"ebsOptimized":false,"enaSupport":true,"cpuOptions":{{"coreCount":1,"threadsPerCore":2}},"metadataOptions":{{"state":"pending","httpTokens":"required","httpPutResponseHopLimit":2,"httpEndpoint":"enabled"}}}}]}}}}"#,
        acct.id,
        t * 1000
    );
}

// ---------------------------------------------------------------------------
// Noise records

/// Renders one background record for `entry` (actor, action) at `t` in the
/// `stream` (account, region) file.
fn noise(
    rng: &mut Rng,
    out: &mut String,
    sc: &mut Scratch,
    plan: &Plan,
    stream: (usize, usize),
    entry: &Entry,
    t: i64,
) {
    let (acct_idx, region_idx) = stream;
    let acct = &ACCOUNTS[acct_idx];
    let (actor, act) = (entry.actor, entry.act);
    let meta = act.meta();
    let region = if meta.global {
        USE1
    } else {
        REGIONS[region_idx]
    };
    let created = actor_key(&mut sc.key, plan, acct_idx, actor, t);
    sc.clear();

    let mut request_id = ReqId::Uuid;
    let mut data = false;
    let label = acct.label;
    match act {
        DescribeInstances => match rng.below(3) {
            0 => sc.req.push_str(r#"{"instancesSet":{},"filterSet":{}}"#),
            1 => sc.req.push_str(
                r#"{"maxResults":1000,"instancesSet":{},"filterSet":{"items":[{"name":"instance-state-name","valueSet":{"items":[{"value":"running"}]}}]}}"#,
            ),
            _ => put!(
                sc.req,
                r#"{{"instancesSet":{{"items":[{{"instanceId":"{}"}}]}},"filterSet":{{}}}}"#,
                instance_id(acct, region, rng.below(40))
            ),
        },
        DescribeSecurityGroups => sc
            .req
            .push_str(r#"{"securityGroupSet":{},"securityGroupIdSet":{},"filterSet":{}}"#),
        RunInstances => run_instances_body(sc, rng, acct, region, t),
        ListBuckets => {
            sc.req.push_str(r#"{"Host":"s3.amazonaws.com"}"#);
            let size = rng.range(900, 3900);
            s3_extra(&mut sc.extra, rng, 0, size);
            request_id = ReqId::S3;
        }
        GetObject | PutObject => {
            let kind = *rng.pick(&["app-data", "build-artifacts", "logs-archive"]);
            let bucket = format!("acme-{label}-{kind}-{region}");
            let key = s3_object_key(rng, kind, t);
            let size = rng.range(200, 5_000_000);
            let bytes = if act == PutObject {
                sc.resp
                    .push_str(r#"{"x-amz-server-side-encryption":"AES256"}"#);
                (size, 0)
            } else {
                (0, size)
            };
            s3_object(sc, rng, acct.id, region, (&bucket, &key), bytes);
            request_id = ReqId::S3;
            data = true;
        }
        AssumeRole => {
            let (role, session) = actor.assumes.unwrap_or(("ci-deploy", "gha-deploy"));
            let (path, name) = role.rsplit_once('/').map_or(("", role), |(p, n)| (p, n));
            let path = if path.is_empty() { String::new() } else { format!("{path}/") };
            assume_role_body(sc, rng, acct_idx, (&path, name), session, t);
        }
        GetCallerIdentity => {}
        ConsoleLogin => {
            sc.resp.push_str(r#"{"ConsoleLogin":"Success"}"#);
            console_login_extra(&mut sc.extra, acct.id, actor.name);
            request_id = ReqId::None;
        }
        DescribeLogGroups => match rng.below(3) {
            0 => sc.req.push_str(r#"{"limit":50}"#),
            1 => sc.req.push_str(r#"{"logGroupNamePrefix":"/aws/lambda/"}"#),
            _ => put!(sc.req, r#"{{"logGroupNamePrefix":"/ecs/{label}-","limit":50}}"#),
        },
        ListUsers => {
            if rng.chance(1, 2) {
                sc.req.push_str(r#"{"maxItems":100}"#);
            }
        }
        GetUser | ListAccessKeys => {
            // GetUser without a name describes the caller.
            if act == ListAccessKeys || rng.chance(2, 3) {
                let target: &&str = rng.pick(acct.users);
                sc.req.push_str(&user_req(target));
            }
        }
        Decrypt => {
            sc.req
                .push_str(r#"{"encryptionAlgorithm":"SYMMETRIC_DEFAULT""#);
            if actor.client.1 == UA_LAMBDA {
                put!(
                    sc.req,
                    r#","encryptionContext":{{"aws:lambda:FunctionArn":"arn:aws:lambda:{region}:{}:function:{}"}}"#,
                    acct.id,
                    actor.session
                );
            }
            sc.req.push('}');
            let k = stable_hex(&["kms", acct.id, region], 32);
            put!(
                sc.res,
                r#"[{{"accountId":"{}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:{region}:{}:key/{}-{}-4{}-a{}-{}"}}]"#,
                acct.id,
                acct.id,
                &k[0..8],
                &k[8..12],
                &k[12..15],
                &k[15..18],
                &k[18..30]
            );
        }
        GetParameter => {
            let name = *rng.pick(&["db-password", "stripe-api-key", "feature-flags", "smtp-credentials"]);
            put!(
                sc.req,
                r#"{{"name":"/app/{label}/{name}","withDecryption":{}}}"#,
                name != "feature-flags"
            );
        }
        DescribeTable => {
            let table = rng.pick(&["orders", "sessions", "inventory"]);
            put!(sc.req, r#"{{"tableName":"{label}-{table}"}}"#);
        }
        GetMetricData => {
            let id = instance_id(acct, region, rng.below(40));
            put!(
                sc.req,
                r#"{{"metricDataQueries":[{{"id":"m1","metricStat":{{"metric":{{"namespace":"AWS/EC2","metricName":"CPUUtilization","dimensions":[{{"name":"InstanceId","value":"{id}"}}]}},"period":300,"stat":"Average"}}}}],"startTime":""#
            );
            push_iso(&mut sc.req, t - 3 * 3600);
            sc.req.push_str(r#"","endTime":""#);
            push_iso(&mut sc.req, t);
            sc.req.push_str(r#""}"#);
        }
    }

    let login = act == ConsoleLogin;
    let who = Ident {
        kind: actor.kind,
        account: acct.id,
        name: actor.name,
        path: actor.path,
        session: actor.session,
        // ConsoleLogin precedes the session, so it has neither key nor context.
        key: if login { "" } else { &sc.key },
        created: if login { None } else { created },
        mfa: actor.console,
        invoked_by: actor.invoked_by,
    };

    // Humans occasionally lack a permission; never on CreateAccessKey (noise
    // has none), so story counts stay exact.
    let mut error = None;
    if actor.kind == Kind::User
        && actor.key != KeySrc::Rotating
        && !login
        && rng.chance(3, 200)
        && let Some(prefix) = policy_prefix(meta.source)
    {
        let name = meta.name;
        put!(
            sc.err,
            "User: {} is not authorized to perform: {prefix}:{name} because no identity-based policy allows the {prefix}:{name} action",
            who.arn()
        );
        let code = if prefix == "ec2" {
            "Client.UnauthorizedOperation"
        } else {
            "AccessDenied"
        };
        error = Some((code, sc.err.as_str()));
    }

    let base = Ev::api(
        who,
        t,
        (meta.source, meta.name),
        region,
        actor.client,
        meta.read_only,
    );
    let ev = Ev {
        error,
        req: Some(if sc.req.is_empty() { "null" } else { &sc.req }),
        resp: if sc.resp.is_empty() { "null" } else { &sc.resp },
        extra: &sc.extra,
        request_id,
        resources: &sc.res,
        data,
        tls: if sc.host.is_empty() {
            base.tls
        } else {
            Tls::Host(&sc.host)
        },
        ..base
    };
    let ev = if login {
        Ev {
            version: "1.08",
            ua: actor.browser,
            event_type: "AwsConsoleSignIn",
            tls: Tls::Off,
            ..ev
        }
    } else if actor.console {
        ev.in_console()
    } else {
        ev
    };
    render(out, rng, &ev);
    sc.err.clear();
}

// ---------------------------------------------------------------------------
// The story

struct StoryRec {
    acct: usize,
    region: usize,
    slice: usize,
    t: i64,
    ord: u64,
    json: String,
}

struct StoryBuilder<'p> {
    plan: &'p Plan,
    rng: Rng,
    recs: Vec<StoryRec>,
}

impl StoryBuilder<'_> {
    /// Time on 1-based `day` (clamped to the span) at h:m:s UTC.
    fn at(&self, day: u32, h: i64, m: i64, s: i64) -> i64 {
        let d = i64::from(day.min(self.plan.days) - 1);
        self.plan.start + d * 86_400 + h * 3600 + m * 60 + s
    }

    fn push(&mut self, ev: &Ev<'_>) {
        let mut json = String::with_capacity(1600);
        render(&mut json, &mut self.rng, ev);
        self.recs.push(StoryRec {
            acct: account_index(ev.recipient),
            region: REGIONS.iter().position(|r| *r == ev.region).unwrap_or(0),
            slice: self.plan.slice_of(ev.t),
            t: ev.t,
            // After any noise record of the same second.
            ord: (1 << 40) + self.recs.len() as u64,
            json,
        });
    }
}

/// A CreateAccessKey record; `req` None omits requestParameters.
fn create_key<'a>(
    who: Ident<'a>,
    t: i64,
    client: Client<'a>,
    req: Option<&'a str>,
    resp: &'a str,
) -> Ev<'a> {
    Ev {
        req,
        resp,
        ..Ev::api(who, t, (IAM, "CreateAccessKey"), USE1, client, false)
    }
}

/// A failed CreateAccessKey for `target`.
fn create_key_error<'a>(
    who: Ident<'a>,
    t: i64,
    client: Client<'a>,
    req: &'a str,
    error: (&'a str, &'a str),
) -> Ev<'a> {
    Ev {
        error: Some(error),
        ..create_key(who, t, client, Some(req), "null")
    }
}

fn denied_message(account: &str, caller: &str, target: &str) -> String {
    format!(
        "User: arn:aws:iam::{account}:user/{caller} is not authorized to perform: iam:CreateAccessKey on resource: user {target} because no identity-based policy allows the iam:CreateAccessKey action"
    )
}

/// All scripted records, independent of `events`. The duplicated delivery is
/// the last element, a byte-identical copy placed in a neighbouring slice.
fn build_story(plan: &Plan) -> Vec<StoryRec> {
    use story::*;
    let mut sb = StoryBuilder {
        plan,
        rng: Rng::new(mix64(plan.seed ^ STORY_SALT)),
        recs: Vec::new(),
    };
    let (prod, dev) = (PROD_ACCOUNT, DEV_ACCOUNT);
    let mut sc = Scratch::default();
    let alice = || Ident::user(prod, ALICE, ALICE_KEY);
    let bob_new = || Ident::user(prod, BOB, BOB_NEW_KEY);
    let no_filter = r#"{"instancesSet":{},"filterSet":{}}"#;

    // Baselines, so "first seen" hunting works at every size.
    console_login_extra(&mut sc.extra, prod, BOB);
    sb.push(&Ev {
        version: "1.08",
        resp: r#"{"ConsoleLogin":"Success"}"#,
        extra: &sc.extra,
        request_id: ReqId::None,
        event_type: "AwsConsoleSignIn",
        tls: Tls::Off,
        ..Ev::api(
            Ident::user(prod, BOB, ""),
            sb.at(1, 9, 2, 11),
            (SIGNIN, "ConsoleLogin"),
            USE1,
            ("192.0.2.10", UA_FIREFOX),
            false,
        )
    });
    let t = sb.at(1, 9, 14, 40);
    sb.push(&Ev::api(
        alice(),
        t,
        (STS, "GetCallerIdentity"),
        USE1,
        ALICE_HOME,
        true,
    ));
    let t = sb.at(1, 9, 15, 2);
    sb.push(&Ev {
        req: Some(no_filter),
        ..Ev::api(
            alice(),
            t,
            (EC2, "DescribeInstances"),
            "us-west-2",
            ALICE_HOME,
            true,
        )
    });
    let t = sb.at(1, 10, 5, 33);
    let bob_cli = Ident::user(prod, BOB, BOB_KEY);
    sb.push(&Ev::api(
        bob_cli,
        t,
        (IAM, "ListUsers"),
        USE1,
        BOB_CLI,
        true,
    ));
    let t = sb.at(2, 17, 30, 12);
    sb.push(&Ev {
        req: Some(r#"{"limit":50}"#),
        ..Ev::api(
            alice(),
            t,
            (LOGS, "DescribeLogGroups"),
            "eu-west-1",
            ALICE_HOME,
            true,
        )
    });

    // 1. dev-alice's key used from an unusual address and client to give
    //    admin-bob a second key, which then creates a backdoor admin.
    let bob_req = user_req(BOB);
    let t = sb.at(2, 2, 14, 7);
    sb.push(&Ev::api(
        alice(),
        t,
        (STS, "GetCallerIdentity"),
        USE1,
        ATTACKER,
        true,
    ));
    let t = sb.at(2, 2, 14, 39);
    sb.push(&Ev::api(
        alice(),
        t,
        (IAM, "ListUsers"),
        USE1,
        ATTACKER,
        true,
    ));
    for (t, name) in [
        (sb.at(2, 2, 15, 12), "ListAttachedUserPolicies"),
        (sb.at(2, 2, 15, 40), "ListAccessKeys"),
    ] {
        sb.push(&Ev {
            req: Some(&bob_req),
            ..Ev::api(alice(), t, (IAM, name), USE1, ATTACKER, true)
        });
    }
    let t = sb.at(2, 2, 16, 5);
    let resp = create_key_resp(BOB, BOB_NEW_KEY, t);
    sb.push(&create_key(alice(), t, ATTACKER, Some(&bob_req), &resp));

    let t = sb.at(2, 2, 21, 33);
    sb.push(&Ev::api(
        bob_new(),
        t,
        (STS, "GetCallerIdentity"),
        USE1,
        ATTACKER,
        true,
    ));
    sc.clear();
    s3_extra(&mut sc.extra, &mut sb.rng, 0, 2114);
    sb.push(&Ev {
        req: Some(r#"{"Host":"s3.amazonaws.com"}"#),
        extra: &sc.extra,
        request_id: ReqId::S3,
        ..Ev::api(
            bob_new(),
            sb.at(2, 2, 23, 10),
            (S3, "ListBuckets"),
            USE1,
            ATTACKER,
            true,
        )
    });
    for (t, key, size) in [
        (
            sb.at(2, 2, 31, 47),
            "2026/q3/general-ledger.csv",
            18_733_402,
        ),
        (
            sb.at(2, 2, 32, 5),
            "2026/q3/payroll-summary.xlsx",
            2_419_870,
        ),
    ] {
        sc.clear();
        let object = ("acme-prod-finance-reports", key);
        s3_object(&mut sc, &mut sb.rng, prod, "us-west-2", object, (0, size));
        sb.push(&Ev {
            req: Some(&sc.req),
            extra: &sc.extra,
            request_id: ReqId::S3,
            resources: &sc.res,
            data: true,
            tls: Tls::Host(&sc.host),
            ..Ev::api(bob_new(), t, (S3, "GetObject"), "us-west-2", ATTACKER, true)
        });
    }
    for (t, region) in [
        (sb.at(2, 3, 5, 12), "eu-west-1"),
        (sb.at(2, 3, 6, 40), "ap-southeast-2"),
    ] {
        sb.push(&Ev {
            req: Some(no_filter),
            ..Ev::api(
                bob_new(),
                t,
                (EC2, "DescribeInstances"),
                region,
                ATTACKER,
                true,
            )
        });
    }
    let t = sb.at(2, 3, 40, 9);
    let backdoor_req = user_req(BACKDOOR_USER);
    let mut user_id = String::new();
    push_hashed_id(&mut user_id, "AIDA", &[prod, BACKDOOR_USER], 17);
    let mut created = format!(
        r#"{{"user":{{"path":"/","userName":"{BACKDOOR_USER}","userId":"{user_id}","arn":"arn:aws:iam::{prod}:user/{BACKDOOR_USER}","createDate":""#
    );
    push_aws_date(&mut created, t);
    created.push_str(r#""}}"#);
    sb.push(&Ev {
        req: Some(&backdoor_req),
        resp: &created,
        ..Ev::api(bob_new(), t, (IAM, "CreateUser"), USE1, ATTACKER, false)
    });
    let attach = format!(
        r#"{{"userName":"{BACKDOOR_USER}","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}}"#
    );
    sb.push(&Ev {
        req: Some(&attach),
        ..Ev::api(
            bob_new(),
            sb.at(2, 3, 40, 31),
            (IAM, "AttachUserPolicy"),
            USE1,
            ATTACKER,
            false,
        )
    });
    let t = sb.at(2, 3, 41, 2);
    let resp = create_key_resp(BACKDOOR_USER, BACKDOOR_KEY, t);
    sb.push(&create_key(
        bob_new(),
        t,
        ATTACKER,
        Some(&backdoor_req),
        &resp,
    ));
    let backdoor = Ident::user(prod, BACKDOOR_USER, BACKDOOR_KEY);
    let t = sb.at(2, 4, 12, 44);
    sb.push(&Ev::api(
        backdoor,
        t,
        (STS, "GetCallerIdentity"),
        USE1,
        ATTACKER,
        true,
    ));

    // 2. Nightly key rotation by a Lambda in both accounts.
    for (acct, account) in ACCOUNTS.iter().enumerate() {
        for day in 0..plan.days {
            let t0 = rotation_start(plan, acct, day);
            sc.clear();
            assume_role_body(
                &mut sc,
                &mut sb.rng,
                acct,
                ROTATOR_ROLE,
                ROTATION_SESSION,
                t0,
            );
            let lambda = "lambda.amazonaws.com";
            sb.push(&Ev {
                req: Some(&sc.req),
                resp: &sc.resp,
                resources: &sc.res,
                recipient: account.id,
                ..Ev::api(
                    Ident::service(lambda),
                    t0,
                    (STS, "AssumeRole"),
                    USE1,
                    (lambda, lambda),
                    false,
                )
            });
            // The Lambda uses the session the AssumeRole above just issued.
            let (key, _) = session_key(acct, ROTATOR_ROLE.1, ROTATION_SESSION, t0);
            let rotator = || Ident {
                created: Some(t0),
                ..Ident::role(account.id, ROTATOR_ROLE, ROTATION_SESSION, &key)
            };
            let client = (account.rotation_ip, UA_LAMBDA);
            for (u, user) in ROTATED_USERS.iter().enumerate() {
                let tc = rotation_create_time(plan, acct, u, day);
                let req = user_req(user);
                sb.push(&Ev {
                    req: Some(&req),
                    ..Ev::api(
                        rotator(),
                        tc - 1,
                        (IAM, "ListAccessKeys"),
                        USE1,
                        client,
                        true,
                    )
                });
                let resp = create_key_resp(user, &rotation_key(account, user, day + 1), tc);
                sb.push(&create_key(rotator(), tc, client, Some(&req), &resp));
                let old = rotation_key(account, user, day);
                let del = format!(r#"{{"userName":"{user}","accessKeyId":"{old}"}}"#);
                sb.push(&Ev {
                    req: Some(&del),
                    ..Ev::api(
                        rotator(),
                        tc + 1,
                        (IAM, "DeleteAccessKey"),
                        USE1,
                        client,
                        false,
                    )
                });
            }
        }
    }

    // 3. Self-service: the caller is the target, named exactly, in another
    //    letter case, with null requestParameters, or with none at all.
    let carol_key = derived_key(0, "dev-carol");
    let carol = || Ident::user(prod, "dev-carol", &carol_key);
    let t = sb.at(1, 15, 22, 18);
    let (req, resp) = (
        user_req("dev-carol"),
        create_key_resp("dev-carol", CAROL_SELF_KEY, t),
    );
    sb.push(&create_key(carol(), t, CAROL, Some(&req), &resp));
    let dave_key = derived_key(0, "ops-dave");
    let dave = || Ident::user(prod, "ops-dave", &dave_key);
    let t = sb.at(2, 11, 8, 51);
    let (req, resp) = (
        user_req("Ops-Dave"),
        create_key_resp("ops-dave", DAVE_SELF_KEY, t),
    );
    sb.push(&create_key(dave(), t, DAVE, Some(&req), &resp));
    let gina_key = derived_key(1, "dev-gina");
    let t = sb.at(3, 8, 47, 29);
    let resp = create_key_resp("dev-gina", GINA_SELF_KEY, t);
    sb.push(&create_key(
        Ident::user(dev, "dev-gina", &gina_key),
        t,
        GINA,
        Some("null"),
        &resp,
    ));
    let henry_key = derived_key(1, "dev-henry");
    let henry = || Ident::user(dev, "dev-henry", &henry_key);
    let t = sb.at(3, 13, 19, 2);
    let resp = create_key_resp("dev-henry", HENRY_SELF_KEY, t);
    sb.push(&create_key(henry(), t, HENRY, None, &resp));

    // 4. Failed attempts on other users.
    let (req, msg) = (
        user_req("svc-ci"),
        denied_message(prod, "dev-carol", "svc-ci"),
    );
    let t = sb.at(1, 16, 5, 44);
    sb.push(&create_key_error(
        carol(),
        t,
        CAROL,
        &req,
        ("AccessDenied", &msg),
    ));
    let target = "dev-admin-frank";
    let (req, msg) = (user_req(target), denied_message(dev, "dev-henry", target));
    let t = sb.at(2, 20, 31, 9);
    sb.push(&create_key_error(
        henry(),
        t,
        HENRY,
        &req,
        ("AccessDenied", &msg),
    ));
    let req = user_req("svc-reporting");
    let quota = (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    );
    let t = sb.at(3, 10, 47, 15);
    sb.push(&create_key_error(dave(), t, DAVE, &req, quota));

    // 5. Console creations for other users, with both console user agents.
    let t = sb.at(1, 11, 20, 36);
    let (erin_key, created) = session_key(0, SSO_ROLE.1, SSO_SESSION, t);
    let erin = Ident {
        created: Some(created),
        mfa: true,
        ..Ident::role(prod, SSO_ROLE, SSO_SESSION, &erin_key)
    };
    let (req, resp) = (
        user_req("svc-reporting"),
        create_key_resp("svc-reporting", REPORTING_KEY, t),
    );
    sb.push(&create_key(erin, t, ERIN_CONSOLE, Some(&req), &resp).in_console());
    let t = sb.at(2, 14, 3, 27);
    let (frank_key, created) = session_key(1, "dev-admin-frank", "", t);
    let frank = Ident {
        created: Some(created),
        mfa: true,
        ..Ident::user(dev, "dev-admin-frank", &frank_key)
    };
    let (req, resp) = (
        user_req("dev-ivan"),
        create_key_resp("dev-ivan", IVAN_KEY, t),
    );
    sb.push(&create_key(frank, t, FRANK_CONSOLE, Some(&req), &resp).in_console());
    let duplicated = sb.recs.len() - 1;

    // 6. The dev account's root user, with a root access key, via the CLI.
    let t = sb.at(3, 9, 12, 55);
    let target = "dev-admin-frank";
    let (req, resp) = (
        user_req(target),
        create_key_resp(target, ROOT_CREATED_KEY, t),
    );
    sb.push(&create_key(
        Ident::root(dev, ROOT_KEY),
        t,
        ROOT_CLI,
        Some(&req),
        &resp,
    ));

    // 8. jackson creates a key for jack: a substring/regex test of one name
    //    against the other wrongly calls this self-service.
    let jackson_key = derived_key(0, "jackson");
    let t = sb.at(2, 16, 40, 3);
    let (req, resp) = (user_req("jack"), create_key_resp("jack", JACK_KEY, t));
    let jackson = Ident::user(prod, "jackson", &jackson_key);
    sb.push(&create_key(jackson, t, JACKSON, Some(&req), &resp));

    // 7. CloudTrail delivers at least once: the same bytes again in the next
    //    file of the same stream (the previous one at the end of the span).
    let original = &sb.recs[duplicated];
    let slice = if original.slice + 1 < plan.slices {
        original.slice + 1
    } else {
        original.slice - 1
    };
    let copy = StoryRec {
        slice,
        json: original.json.clone(),
        ..*original
    };
    sb.recs.push(copy);
    sb.recs
}

// ---------------------------------------------------------------------------
// Writing log files

struct Env<'a> {
    plan: &'a Plan,
    story: &'a [StoryRec],
    tables: &'a [[Vec<Entry>; 2]; 2],
}

struct Job<'a> {
    index: usize,
    noise: usize,
    story: &'a [usize],
    want_hash: bool,
}

struct FileOut {
    /// Path relative to `out`, with `/` separators (as the S3 key).
    key: String,
    records: usize,
    raw: u64,
    gz: u64,
    oldest: i64,
    newest: i64,
    sha256: Option<[u8; 32]>,
}

fn gzip_to(path: &Path, data: &[u8]) -> io::Result<u64> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    // mtime 0 and no file name keep the bytes reproducible.
    let mut enc = GzBuilder::new().mtime(0).write(
        Vec::with_capacity(data.len() / 6 + 64),
        Compression::default(),
    );
    enc.write_all(data)?;
    let gz = enc.finish()?;
    fs::write(path, &gz)?;
    Ok(gz.len() as u64)
}

fn write_log_file(env: &Env<'_>, job: &Job<'_>) -> io::Result<FileOut> {
    let plan = env.plan;
    let (acct, region, slice) = plan.file_pos(job.index);
    let mut rng = Rng::new(file_seed(plan.seed, job.index as u64));
    let mut suffix = String::with_capacity(16);
    push_chars(&mut suffix, &mut rng, ALNUM, 16);

    let s0 = plan.slice_start(slice);
    let s1 = (s0 + plan.slice).min(plan.end);
    let mut times: Vec<(i64, usize)> = (0..job.noise).map(|i| (rng.range(s0, s1), i)).collect();
    times.sort_unstable();

    let table = &env.tables[acct][usize::from(region == 0)];
    let mut out = String::with_capacity((job.noise + job.story.len()) * 1600 + 16);
    out.push_str("{\"Records\":[");
    let mut sc = Scratch::default();
    let mut first = true;
    let mut story = job.story.iter().map(|&k| &env.story[k]).peekable();
    let (mut oldest, mut newest) = (i64::MAX, i64::MIN);
    let mut records = 0;
    let mut noise_iter = times.into_iter();
    loop {
        let next_noise = noise_iter.as_slice().first().copied();
        // Story records sort after noise in the same second (larger ord).
        let take_story = match (story.peek(), next_noise) {
            (Some(s), Some((t, _))) => s.t < t,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        if !first {
            out.push(',');
        }
        first = false;
        let t = if take_story {
            let rec = story.next().expect("peeked");
            out.push_str(&rec.json);
            rec.t
        } else {
            let (t, _) = noise_iter.next().expect("peeked");
            let entry = pick_entry(table, &mut rng);
            noise(&mut rng, &mut out, &mut sc, plan, (acct, region), entry, t);
            t
        };
        oldest = oldest.min(t);
        newest = newest.max(t);
        records += 1;
    }
    out.push_str("]}");

    let account = ACCOUNTS[acct].id;
    let region_name = REGIONS[region];
    let key = format!(
        "AWSLogs/{account}/CloudTrail/{region_name}/{}/{account}_CloudTrail_{region_name}_{}_{suffix}.json.gz",
        date_dirs(s0),
        compact_time(s0, false)
    );
    let gz = gzip_to(&plan.out.join(&key), out.as_bytes())?;
    Ok(FileOut {
        key,
        records,
        raw: out.len() as u64,
        gz,
        oldest,
        newest,
        sha256: job.want_hash.then(|| sha256(out.as_bytes())),
    })
}

// ---------------------------------------------------------------------------
// Digest files

struct DigestPlan {
    acct: usize,
    region: usize,
    start: i64,
    end: i64,
    /// File indices whose delivery (slice end) falls in (start, end].
    files: Vec<usize>,
}

/// One digest per account, region and day, covering the hour before about
/// 12:05 UTC: a sample of the hourly chain, enough to exercise skipping.
fn plan_digests(plan: &Plan) -> Vec<DigestPlan> {
    let mut out = Vec::new();
    for acct in 0..ACCOUNTS.len() {
        for region in 0..REGIONS.len() {
            for day in 0..plan.days {
                let end = plan.start
                    + i64::from(day) * 86_400
                    + 12 * 3600
                    + 5 * 60
                    + 17
                    + 3 * region as i64
                    + 11 * acct as i64;
                let start = end - 3600;
                let files = (0..plan.slices)
                    .filter(|&s| {
                        let delivered = (plan.slice_start(s) + plan.slice).min(plan.end);
                        delivered > start && delivered <= end
                    })
                    .map(|s| plan.file_index(acct, region, s))
                    .collect();
                out.push(DigestPlan {
                    acct,
                    region,
                    start,
                    end,
                    files,
                });
            }
        }
    }
    out
}

fn digest_key(acct: &str, region: &str, end: i64) -> String {
    format!(
        "AWSLogs/{acct}/CloudTrail-Digest/{region}/{}/{acct}_CloudTrail-Digest_{region}_{TRAIL_NAME}_us-east-1_{}.json.gz",
        date_dirs(end),
        compact_time(end, true)
    )
}

fn write_digest(
    plan: &Plan,
    d: &DigestPlan,
    k: u64,
    outs: &[Option<FileOut>],
) -> io::Result<(u64, u64)> {
    let mut rng = Rng::new(file_seed(plan.seed ^ DIGEST_SALT, k));
    let acct = ACCOUNTS[d.acct].id;
    let region = REGIONS[d.region];
    let key = digest_key(acct, region, d.end);
    let listed: Vec<&FileOut> = d.files.iter().filter_map(|&i| outs[i].as_ref()).collect();
    let mut fingerprint = String::new();
    push_hex(
        &mut fingerprint,
        &mut Rng::new(name_hash(&["digest-key", acct, region])),
        32,
    );
    let mut s = String::with_capacity(2048 + listed.len() * 400);
    put!(s, r#"{{"awsAccountId":"{acct}","digestStartTime":""#);
    push_iso(&mut s, d.start);
    s.push_str(r#"","digestEndTime":""#);
    push_iso(&mut s, d.end);
    put!(
        s,
        r#"","digestS3Bucket":"{TRAIL_BUCKET}","digestS3Object":"{key}","digestPublicKeyFingerprint":"{fingerprint}","digestSignatureAlgorithm":"SHA256withRSA","newestEventTime":"#
    );
    let newest = listed.iter().map(|f| f.newest).max();
    let oldest = listed.iter().map(|f| f.oldest).min();
    match (newest, oldest) {
        (Some(newest), Some(oldest)) => {
            s.push('"');
            push_iso(&mut s, newest);
            s.push_str(r#"","oldestEventTime":""#);
            push_iso(&mut s, oldest);
            s.push('"');
        }
        _ => s.push_str(r#"null,"oldestEventTime":null"#),
    }
    // The previous digest of the hourly chain is not shipped with the demo.
    let mut previous_hash = String::new();
    push_hex(&mut previous_hash, &mut rng, 64);
    let mut previous_signature = String::new();
    push_hex(&mut previous_signature, &mut rng, 512);
    put!(
        s,
        r#","previousDigestS3Bucket":"{TRAIL_BUCKET}","previousDigestS3Object":"{}","previousDigestHashValue":"{previous_hash}","previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"{previous_signature}","logFiles":["#,
        digest_key(acct, region, d.start)
    );
    for (i, f) in listed.iter().enumerate() {
        put!(
            s,
            r#"{}{{"s3Bucket":"{TRAIL_BUCKET}","s3Object":"{}","hashValue":"{}","hashAlgorithm":"SHA-256","newestEventTime":""#,
            if i == 0 { "" } else { "," },
            f.key,
            hex(&f.sha256.unwrap_or_default())
        );
        push_iso(&mut s, f.newest);
        s.push_str(r#"","oldestEventTime":""#);
        push_iso(&mut s, f.oldest);
        s.push_str(r#""}"#);
    }
    s.push_str("]}");
    let gz = gzip_to(&plan.out.join(&key), s.as_bytes())?;
    Ok((s.len() as u64, gz))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 (FIPS 180-4), for digest `hashValue`s; small enough to carry here
/// rather than add a dependency.
fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let compress = |h: &mut [u32; 8], block: &[u8]| {
        let mut w = [0u32; 64];
        for (i, c) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(v);
        }
    };
    let mut blocks = data.chunks_exact(64);
    for block in &mut blocks {
        compress(&mut h, block);
    }
    let rest = blocks.remainder();
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let len = if rest.len() < 56 { 64 } else { 128 };
    tail[len - 8..len].copy_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for block in tail[..len].chunks_exact(64) {
        compress(&mut h, block);
    }
    let mut out = [0u8; 32];
    for (o, v) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&v.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_reference_values() {
        // Reference outputs of splitmix64 seeded with 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(r.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn rng_is_deterministic_and_in_range() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..1000 {
            let x = a.below(7);
            assert_eq!(x, b.below(7));
            assert!(x < 7);
            let t = a.range(-5, 5);
            assert_eq!(t, b.range(-5, 5));
            assert!((-5..5).contains(&t));
        }
    }

    #[test]
    fn file_seeds_are_stable_and_distinct() {
        assert_eq!(file_seed(1, 2), file_seed(1, 2));
        let seeds: std::collections::HashSet<u64> =
            (0..10_000).map(|i| file_seed(DEFAULT_SEED, i)).collect();
        assert_eq!(seeds.len(), 10_000);
        assert_ne!(file_seed(1, 0), file_seed(2, 0));
        // Pinned so an accidental change of the derivation is noticed.
        assert_eq!(file_seed(0, 0), mix64(mix64(0x5851_F42D_4C95_7F2D)));
    }

    #[test]
    fn time_formats_match_chrono() {
        use chrono::DateTime;
        let mut r = Rng::new(7);
        for _ in 0..2000 {
            let t = r.range(-2_000_000_000, 8_000_000_000);
            let dt = DateTime::from_timestamp(t, 0).expect("in range");
            assert_eq!(iso(t), dt.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            let mut s = String::new();
            push_aws_date(&mut s, t);
            assert_eq!(s, dt.format("%b %-d, %Y, %-I:%M:%S %p").to_string());
            assert_eq!(
                compact_time(t, true),
                dt.format("%Y%m%dT%H%M%SZ").to_string()
            );
        }
        assert_eq!(iso(START), "2026-11-02T00:00:00Z");
        let mut s = String::new();
        push_aws_date(&mut s, START + 10 * 3600 + 11 * 60 + 12);
        assert_eq!(s, "Nov 2, 2026, 10:11:12 AM");
    }

    #[test]
    fn sha256_known_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        assert_eq!(
            hex(&sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        push_escaped(&mut s, "x\"y\\z\n\u{1}é");
        assert_eq!(s, r#""x\"y\\z\n\u0001é""#);
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v, "x\"y\\z\n\u{1}é");
        s.clear();
        push_escaped(&mut s, "plain");
        assert_eq!(s, r#""plain""#);
    }

    fn small_plan(events: usize) -> Plan {
        Plan::new(&DemoOptions {
            out: PathBuf::from("unused"),
            events,
            ..DemoOptions::default()
        })
    }

    fn parse(s: &str) -> serde_json::Value {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
    }

    fn check_shape(v: &serde_json::Value) {
        for k in [
            "eventVersion",
            "userIdentity",
            "eventTime",
            "eventSource",
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userAgent",
            "eventID",
            "readOnly",
            "eventType",
            "managementEvent",
            "recipientAccountId",
            "eventCategory",
        ] {
            assert!(v.get(k).is_some(), "missing {k} in {v}");
        }
        let id = &v["userIdentity"];
        assert!(id["type"].is_string(), "{v}");
        if let Some(key) = id.get("accessKeyId").and_then(|k| k.as_str()) {
            assert_eq!(key.len(), 20, "{key}");
            assert!(key.starts_with("AKIA") || key.starts_with("ASIA"), "{key}");
            assert!(key.bytes().all(|b| B32.contains(&b)), "{key}");
        }
        if id["type"] == "AssumedRole" {
            assert!(id["sessionContext"]["sessionIssuer"]["arn"].is_string());
            assert!(id["sessionContext"]["attributes"]["creationDate"].is_string());
            assert!(id["accessKeyId"].as_str().unwrap_or("").starts_with("ASIA"));
        }
        let event_id = v["eventID"].as_str().unwrap_or("");
        assert_eq!(event_id.len(), 36);
        assert_eq!(&event_id[14..15], "4");
        if v["eventName"] != "ConsoleLogin" {
            assert!(v["requestID"].is_string(), "{v}");
        }
    }

    #[test]
    fn every_noise_action_renders_valid_records() {
        let plan = small_plan(4000);
        let mut rng = Rng::new(5);
        let mut sc = Scratch::default();
        for (acct, account) in ACCOUNTS.iter().enumerate() {
            for actor in account.actors {
                for &(act, _) in actor.acts {
                    for region in 0..REGIONS.len() {
                        if act.meta().global && region != 0 {
                            continue;
                        }
                        let entry = Entry { cum: 1, actor, act };
                        let mut out = String::new();
                        let t = START + 3600 * 30 + region as i64;
                        noise(
                            &mut rng,
                            &mut out,
                            &mut sc,
                            &plan,
                            (acct, region),
                            &entry,
                            t,
                        );
                        let v = parse(&out);
                        check_shape(&v);
                        assert_eq!(v["eventName"], act.meta().name);
                        assert_eq!(v["recipientAccountId"], account.id);
                        assert_ne!(v["eventName"], "CreateAccessKey");
                        assert_ne!(v["sourceIPAddress"], story::ATTACKER_IP);
                    }
                }
            }
        }
    }

    #[test]
    fn story_records_have_cloudtrail_shape() {
        let plan = small_plan(4000);
        let story = build_story(&plan);
        let creates: Vec<serde_json::Value> = story
            .iter()
            .map(|r| parse(&r.json))
            .inspect(check_shape)
            .filter(|v| v["eventName"] == "CreateAccessKey")
            .collect();
        // 2 attacker + 18 rotation + 4 self + 3 failed + 2 console + root +
        // jackson + the duplicate delivery.
        assert_eq!(creates.len(), 2 + 18 + 4 + 3 + 2 + 1 + 1 + 1);
        let attack = creates
            .iter()
            .find(|v| v["responseElements"]["accessKey"]["accessKeyId"] == story::BOB_NEW_KEY)
            .expect("attacker CreateAccessKey");
        assert_eq!(attack["eventTime"], story::ATTACK_CREATE_TIME);
        assert_eq!(attack["userIdentity"]["accessKeyId"], story::ALICE_KEY);
        assert_eq!(attack["requestParameters"]["userName"], story::BOB);
        assert_eq!(
            attack["responseElements"]["accessKey"]["createDate"],
            "Nov 3, 2026, 2:16:05 AM"
        );
        for v in &creates {
            if v.get("errorCode").is_some() {
                assert!(v["responseElements"].is_null());
                assert!(v["errorMessage"].is_string());
            } else {
                let key = v["responseElements"]["accessKey"]["accessKeyId"]
                    .as_str()
                    .expect("created key id");
                assert!(key.starts_with("AKIA") && key.len() == 20, "{key}");
                assert!(
                    v["responseElements"]["accessKey"]
                        .get("secretAccessKey")
                        .is_none()
                );
            }
        }
        let last = story.last().expect("duplicate");
        let orig = story
            .iter()
            .find(|r| r.json == last.json)
            .expect("original");
        assert_ne!(orig.slice, last.slice);
    }

    #[test]
    fn story_is_independent_of_event_count() {
        let a = build_story(&small_plan(4000));
        let b = build_story(&small_plan(20_000));
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.json, y.json);
        }
    }

    #[test]
    fn story_keys_are_wellformed_and_unique() {
        use story::*;
        let keys = [
            ALICE_KEY,
            BOB_KEY,
            BOB_NEW_KEY,
            BACKDOOR_KEY,
            CAROL_SELF_KEY,
            DAVE_SELF_KEY,
            GINA_SELF_KEY,
            HENRY_SELF_KEY,
            REPORTING_KEY,
            IVAN_KEY,
            ROOT_KEY,
            ROOT_CREATED_KEY,
            JACK_KEY,
        ];
        let set: std::collections::HashSet<&str> = keys.iter().copied().collect();
        assert_eq!(set.len(), keys.len());
        for k in keys {
            assert_eq!(k.len(), 20, "{k}");
            assert!(k.starts_with("AKIA"));
            assert!(k.bytes().all(|b| B32.contains(&b)), "{k}");
            assert!(
                k.starts_with("AKIAR7JQ2XMZ") || k.starts_with("AKIAWB5N4PLT"),
                "{k} does not carry an account code"
            );
        }
    }

    #[test]
    fn noise_allocation_is_exact_and_weighted() {
        for events in [0, 1, 4000, 20_000, 1_000_000] {
            let plan = small_plan(events);
            let counts = allocate_noise(&plan, events);
            assert_eq!(counts.iter().sum::<usize>(), events);
            assert_eq!(counts.len(), plan.file_count());
        }
        assert_eq!(slice_minutes(4000, 3), 360);
        assert_eq!(slice_minutes(1_000_000, 3), 10);
        assert!(slice_minutes(0, 1) <= 720);
    }

    #[test]
    fn rotated_keys_follow_the_schedule() {
        let plan = small_plan(4000);
        let actor = &PROD_ACTORS[8];
        assert_eq!(actor.name, "svc-ci");
        let mut key = String::new();
        let before = rotation_create_time(&plan, 0, 0, 1) - 1;
        actor_key(&mut key, &plan, 0, actor, before);
        assert_eq!(key, rotation_key(&ACCOUNTS[0], "svc-ci", 1));
        actor_key(&mut key, &plan, 0, actor, before + 1);
        assert_eq!(key, rotation_key(&ACCOUNTS[0], "svc-ci", 2));
    }
}
