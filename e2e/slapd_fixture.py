"""A real OpenLDAP server (Debian's `slapd`) for the connector tests: its own slapd.conf and mdb
database in a temporary folder, on a free loopback port; the system's slapd is never touched.
The Python twin of crates/api/tests/api/slapd.rs.

Reads and writes go through the OpenLDAP command-line tools (`ldapadd`, `ldapsearch`),
independent of the connector under test. `stop()` and `run()` take the server down and bring it
back on the same port and data, to test deliveries that fail and are retried.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

BASE = "dc=example,dc=org"
ROOT_DN = "cn=admin,dc=example,dc=org"
ROOT_PASSWORD = "ldap-root-secret"
PEOPLE = "ou=people,dc=example,dc=org"
GROUPS = "ou=groups,dc=example,dc=org"
SLAPD = "/usr/sbin/slapd"
SLAPADD = "/usr/sbin/slapadd"

_TREE = f"""dn: {BASE}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Slapd:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="slapd-e2e-"))
        (self.dir / "data").mkdir()
        self.conf = self.dir / "slapd.conf"
        self.conf.write_text(
            "include /etc/ldap/schema/core.schema\n"
            "include /etc/ldap/schema/cosine.schema\n"
            "include /etc/ldap/schema/inetorgperson.schema\n"
            "include /etc/ldap/schema/nis.schema\n"
            f"pidfile {self.dir}/slapd.pid\n"
            f"argsfile {self.dir}/slapd.args\n"
            "modulepath /usr/lib/ldap\n"
            "moduleload back_mdb\n"
            "database mdb\n"
            "maxsize 16777216\n"
            f'suffix "{BASE}"\n'
            f'rootdn "{ROOT_DN}"\n'
            f"rootpw {ROOT_PASSWORD}\n"
            f"directory {self.dir}/data\n"
            "index objectClass eq\n"
            "index uid eq\n"
        )
        tree = self.dir / "tree.ldif"
        tree.write_text(_TREE)
        loaded = subprocess.run(
            [SLAPADD, "-f", str(self.conf), "-l", str(tree)], capture_output=True, text=True
        )
        if loaded.returncode != 0:
            raise RuntimeError(f"slapadd: {loaded.stderr}")
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ldap://127.0.0.1:{self.port}"

    def run(self) -> None:
        """Starts slapd in the foreground (`-d 0`) and waits until it answers."""
        log = open(self.dir / "slapd.log", "ab")
        try:
            self.process = subprocess.Popen(
                [SLAPD, "-d", "0", "-f", str(self.conf), "-h", f"{self.url}/"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        deadline = time.monotonic() + 20
        while True:
            probe = subprocess.run(
                ["ldapsearch", "-x", "-H", self.url, "-b", BASE, "-s", "base", "1.1"],
                capture_output=True,
            )
            if probe.returncode == 0:
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "slapd did not start: " + (self.dir / "slapd.log").read_text(errors="replace")
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stops slapd and waits until its port refuses connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    pass
            except OSError:
                return
            if time.monotonic() > deadline:
                raise RuntimeError("slapd did not stop")
            time.sleep(0.05)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _tool(self, tool: str, ldif: str) -> None:
        done = subprocess.run(
            [tool, "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PASSWORD],
            input=ldif,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool}: {done.stderr}\n{ldif}")

    def add_person(self, uid: str) -> str:
        """A person `uid=<uid>` under ou=people; returns the DN."""
        dn = f"uid={uid},{PEOPLE}"
        self._tool(
            "ldapadd",
            f"dn: {dn}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
            f"mail: {uid}@example.org\n",
        )
        return dn

    def add_group_of_names(self, cn: str) -> str:
        """A `groupOfNames` under ou=groups whose only member is the root DN (the schema wants
        one); returns the DN."""
        dn = f"cn={cn},{GROUPS}"
        self._tool("ldapadd", f"dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\nmember: {ROOT_DN}\n")
        return dn

    def add_member(self, group_dn: str, member_dn: str) -> None:
        """Adds `member_dn` to a `groupOfNames` by hand, behind Tessera's back."""
        self._tool("ldapmodify", f"dn: {group_dn}\nchangetype: modify\nadd: member\nmember: {member_dn}\n")

    def values(self, dn: str, attribute: str) -> list[str]:
        """The values of `attribute` of entry `dn`, read with `ldapsearch`, lowercased."""
        found = subprocess.run(
            ["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H", self.url]
            + ["-D", ROOT_DN, "-w", ROOT_PASSWORD, "-s", "base", "-b", dn]
            + ["(objectClass=*)", attribute],
            capture_output=True,
            text=True,
        )
        if found.returncode != 0:
            raise RuntimeError(f"ldapsearch {dn}: {found.stderr}")
        prefix = f"{attribute.lower()}: "
        return [
            line.lower()[len(prefix) :]
            for line in found.stdout.splitlines()
            if line.lower().startswith(prefix)
        ]


def running_slapd() -> Iterator[Slapd]:
    """A started directory for a module's tests, stopped and removed afterwards."""
    directory = Slapd()
    try:
        directory.run()
        yield directory
    finally:
        directory.cleanup()
