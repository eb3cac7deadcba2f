//! A real OpenLDAP server (Debian's `slapd`) for the connector tests, on a free loopback port
//! with its own configuration and mdb database in a temporary folder; nothing of the system's
//! slapd is used. One server is shared by the tests of a run ([`Slapd::shared`]): each test
//! makes its own people and groups, named uniquely. A test that stops and restarts its
//! directory starts a private one ([`Slapd::start`]).
//!
//! Reads and writes made here go through the OpenLDAP command-line tools (`ldapadd`,
//! `ldapmodify`, `ldapsearch`), independent of the connector under test.
//!
//! slapd runs under a small shell watchdog that stops it when the test process ends, so no
//! server outlives its run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

pub const BASE: &str = "dc=example,dc=org";
pub const ROOT_DN: &str = "cn=admin,dc=example,dc=org";
pub const ROOT_PASSWORD: &str = "ldap-root-secret";
pub const PEOPLE: &str = "ou=people,dc=example,dc=org";
pub const GROUPS: &str = "ou=groups,dc=example,dc=org";

pub struct Slapd {
    pub port: u16,
    dir: tempfile::TempDir,
    watchdog: Mutex<Option<Child>>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn config(dir: &Path) -> String {
    let d = dir.display();
    format!(
        "include /etc/ldap/schema/core.schema\n\
         include /etc/ldap/schema/cosine.schema\n\
         include /etc/ldap/schema/inetorgperson.schema\n\
         include /etc/ldap/schema/nis.schema\n\
         pidfile {d}/slapd.pid\n\
         argsfile {d}/slapd.args\n\
         modulepath /usr/lib/ldap\n\
         moduleload back_mdb\n\
         sizelimit unlimited\n\
         database mdb\n\
         maxsize 16777216\n\
         suffix \"{BASE}\"\n\
         rootdn \"{ROOT_DN}\"\n\
         rootpw {ROOT_PASSWORD}\n\
         directory {d}/data\n\
         index objectClass eq\n\
         index uid eq\n"
    )
}

const TREE: &str = "dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\n\
     o: Example\ndc: example\n\n\
     dn: ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: people\n\n\
     dn: ou=groups,dc=example,dc=org\nobjectClass: organizationalUnit\nou: groups\n";

impl Slapd {
    /// The server shared by this run's tests, started on first use.
    pub fn shared() -> &'static Slapd {
        static SHARED: OnceLock<Slapd> = OnceLock::new();
        SHARED.get_or_init(Slapd::start)
    }

    /// A new server of the test's own, with the base tree loaded.
    pub fn start() -> Slapd {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("slapd.conf"), config(dir.path())).unwrap();
        std::fs::write(dir.path().join("tree.ldif"), TREE).unwrap();
        let loaded = Command::new("slapadd")
            .arg("-f")
            .arg(dir.path().join("slapd.conf"))
            .arg("-l")
            .arg(dir.path().join("tree.ldif"))
            .output()
            .expect("slapd must be installed (scripts/install-tools.sh)");
        assert!(
            loaded.status.success(),
            "slapadd: {}",
            String::from_utf8_lossy(&loaded.stderr)
        );
        let slapd = Slapd {
            port: free_port(),
            dir,
            watchdog: Mutex::new(None),
        };
        slapd.run();
        slapd
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("slapd.conf")
    }

    /// Starts slapd (again, on the same port and data) and waits until it answers.
    pub fn run(&self) {
        // The watchdog runs slapd in the foreground (`-d 0`) and stops it when this test
        // process is gone, or when it is itself stopped.
        let script = format!(
            "slapd -d 0 -f '{conf}' -h 'ldap://127.0.0.1:{port}/' >'{log}' 2>&1 & pid=$!; \
             trap 'kill $pid 2>/dev/null; wait $pid; exit 0' TERM INT; \
             while kill -0 {parent} 2>/dev/null && kill -0 $pid 2>/dev/null; do sleep 0.2; done; \
             kill $pid 2>/dev/null; wait $pid",
            conf = self.conf().display(),
            port = self.port,
            log = self.dir.path().join("slapd.log").display(),
            parent = std::process::id(),
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        *self.watchdog.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let probe = Command::new("ldapsearch")
                .args(["-x", "-H", &self.url(), "-b", BASE, "-s", "base", "1.1"])
                .output()
                .unwrap();
            if probe.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "slapd did not start: {}",
                std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops slapd and waits until its port refuses connections.
    pub fn stop(&self) {
        if let Some(mut child) = self.watchdog.lock().unwrap().take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "slapd did not stop");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn tool(&self, tool: &str, input: &str) -> String {
        use std::io::Write;
        let mut child = Command::new(tool)
            .args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{tool}: {}\n{input}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Adds entries (LDIF) with `ldapadd`.
    pub fn add(&self, ldif: &str) {
        self.tool("ldapadd", ldif);
    }

    /// Changes entries (LDIF) with `ldapmodify`.
    pub fn modify(&self, ldif: &str) {
        self.tool("ldapmodify", ldif);
    }

    /// A person `uid=<uid>` under ou=people; returns the DN.
    pub fn add_person(&self, uid: &str) -> String {
        let dn = format!("uid={uid},{PEOPLE}");
        self.add(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n\
             mail: {uid}@example.org\n"
        ));
        dn
    }

    /// A `groupOfNames` under ou=groups whose only member is the root DN (the schema wants
    /// one); returns the DN.
    pub fn add_group_of_names(&self, cn: &str) -> String {
        let dn = format!("cn={cn},{GROUPS}");
        self.add(&format!(
            "dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\nmember: {ROOT_DN}\n"
        ));
        dn
    }

    /// A `posixGroup` under ou=groups; returns the DN.
    pub fn add_posix_group(&self, cn: &str) -> String {
        let dn = format!("cn={cn},{GROUPS}");
        self.add(&format!(
            "dn: {dn}\nobjectClass: posixGroup\ncn: {cn}\ngidNumber: 5000\n"
        ));
        dn
    }

    /// The values of `attribute` of entry `dn`, read with `ldapsearch`, lowercased.
    pub fn values(&self, dn: &str, attribute: &str) -> Vec<String> {
        let out = Command::new("ldapsearch")
            .args(["-x", "-LLL", "-o", "ldif-wrap=no", "-H", &self.url()])
            .args(["-D", ROOT_DN, "-w", ROOT_PASSWORD, "-s", "base", "-b", dn])
            .arg("(objectClass=*)")
            .arg(attribute)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ldapsearch {dn}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let prefix = format!("{}: ", attribute.to_lowercase());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                line.to_lowercase()
                    .strip_prefix(&prefix)
                    .map(str::to_string)
            })
            .collect()
    }
}

/// A name no other test uses: `prefix` and a few random characters.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &Uuid::new_v4().simple().to_string()[..8])
}
