"""`demo`: a realistic document repository for a fictional service provider, made with sms-docs' own
actions and real git commits over eighteen months that end a week before today.

The story (each step a commit, or a branch merged with --no-ff, at a fixed time of a fixed day):
the starter SMS approved on a first merge; a signing key registered and a signed approval; a change
approved by a GitLab-style `Approved-by:` merge trailer; a self-approval the policy rejects, then
approved properly; a direct, unapproved change on main; records (a change, a major incident review,
an internal audit); a periodic no-change review; a policy withdrawn for its successor; a plan revision
approved now but effective only next month; a service catalogue change approved in the merge request.

Dates are computed from `today`, so a demo made on a given day is the same every time, and looks
current on any day (reviews due, what's new).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import frontmatter
from sms_docs.errors import Refused, UsageError
from sms_docs.gitrepo import Identity, commit_all, create_branch, isolated, merge_branch, set_config
from sms_docs.policy import add_months
from sms_docs.schemas import SchemaSet

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MONTHS = 18
MAIN = "main"

README = """\
# {org}: service management system documents

This is a demonstration repository made by `sms-docs demo`: a fictional provider's controlled
documents with eighteen months of history. Every approval in it was made with `sms-docs approve`
or a merge request's `Approved-by:` trailer, every review and record with the sms-docs commands.

    sms-docs status            # the register
    sms-docs audit             # every revision and its approval evidence, and the findings
    sms-docs history POL-003   # a signed approval
    sms-docs serve             # the published site on http://127.0.0.1:8000/
"""


@dataclass(frozen=True)
class Made:
    root: Path
    start: dt.date
    end: dt.date
    commits: int
    documents: int
    records: int
    signed: bool

    def to_json(self) -> dict[str, Any]:
        return {"directory": str(self.root), "start": self.start.isoformat(), "end": self.end.isoformat(),
                "commits": self.commits, "documents": self.documents, "records": self.records, "signed": self.signed}


class _Story:
    """Git as the fictional staff use it: every command with a chosen person and a fixed time."""

    def __init__(self, root: Path, start: dt.date, progress: Callable[[str], None] | None) -> None:
        self.root = root
        self.start = start
        self.progress = progress or (lambda _line: None)
        settings = config_mod.load_valid(root)
        self.people = {p.id: p for p in settings.people}
        self.git_env = isolated()  # the user's own git configuration stays out of the demo
        self.commits = 0
        self.signing_key: Path | None = None  # an approver's SSH key, once registered

    def when(self, day: int, hour: int = 10, minute: int = 0) -> str:
        moment = dt.datetime.combine(self.start + dt.timedelta(days=day), dt.time(hour, minute), dt.timezone.utc)
        return moment.isoformat()

    def identity(self, who: str, when: str) -> Identity:
        person = self.people[who]
        return Identity(person.name, person.email, when)

    def commit(self, message: str, who: str, when: str, paths: list[str] | None = None) -> None:
        commit_all(self.root, message, self.identity(who, when), paths or (), env=self.git_env)
        self.commits += 1

    def branch(self, name: str) -> None:
        create_branch(self.root, name, MAIN, env=self.git_env)

    def merge(self, branch: str, who: str, when: str, message: str) -> None:
        merge_branch(self.root, branch, MAIN, message, self.identity(who, when), env=self.git_env)
        self.commits += 1

    def config(self, key: str, value: str | None) -> None:
        set_config(self.root, key, value, env=self.git_env)

    def approve(self, who: str, when: str, keys: list[str] | None = None, sign: bool = False) -> None:
        from sms_docs.actions.approve import approve

        approve(self.root, keys or [], meaning="approval", sign=sign, all_changed=not keys,
                identity=self.identity(who, when), git_env=self.git_env)
        self.commits += 1

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        if old not in text:
            raise UsageError(f"demo: {rel} no longer contains {old[:40]!r}", hint="the starter SMS changed; update the demo story")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def path_of(self, ident: str) -> str:
        for folder in ("policies", "plans", "procedures", "agreements"):
            for path in sorted((self.root / folder).glob(f"{ident}*.md")):
                return path.relative_to(self.root).as_posix()
        raise UsageError(f"demo: {ident} is not in the starter SMS")

    def record(self, who: str, day: int, type_name: str, subject: list[str], fields: dict[str, Any], message: str) -> str:
        from sms_docs.actions import records

        settings = config_mod.load_valid(self.root)
        on = self.start + dt.timedelta(days=day)
        written = records.create(settings, SchemaSet.load(self.root), type_name, person=self.people[who], day=on,
                                 subject=subject, fields=fields)
        self.commit(f"{message}\n\nRecord {written.id}", who, self.when(day, 11, 30))
        return written.id


def make_demo(target: Path, *, organisation: str = "Harbourline Services Ltd", today: dt.date | None = None,
              progress: Callable[[str], None] | None = None) -> Made:
    from sms_docs.actions.init import init

    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Refused(f"{target} exists and is not an empty folder; nothing was written",
                      hint="name a new folder: sms-docs demo /tmp/harbourline")
    end = (today or dt.date.today()) - dt.timedelta(days=7)
    start = add_months(end, -MONTHS)
    init(target, organisation, "iso20000-1:2018", "none", False, git_env=isolated())
    story = _Story(target, start, progress)
    (target / "README.md").write_text(README.format(org=organisation), encoding="utf-8")
    signed = _tell(story)
    documents = len([p for f in ("policies", "plans", "procedures", "agreements") for p in (target / f).glob("*.md")])
    records = len(list((target / "records").rglob("*.yml")))
    return Made(target, start, start + dt.timedelta(days=540), story.commits, documents, records, signed)


def _tell(s: _Story) -> bool:
    """Eighteen months of the provider's document control, chapter by chapter; True if the approval
    on day 46 is signed (ssh-keygen was there to make the key)."""
    s.progress(f"demo: {s.root} from {s.start} over {MONTHS} months")
    for chapter in CHAPTERS:
        chapter(s)
    s.progress("demo: history complete")
    return s.signing_key is not None


def _starter_sms(s: _Story) -> None:
    """Day 0-3: the repository, then the starter SMS on a branch, approved and merged: revision 1 of all."""
    s.commit("Start the document repository", "ines", s.when(0, 9), ["README.md", ".gitignore", ".pre-commit-config.yaml"])
    s.branch("starter-sms")
    s.commit("Add the starter SMS and its site: policies, plans, procedures and agreements\n\n"
             "Adapted from the sms-docs starter set for Harbourline's managed workplace and hosting services.",
             "omar", s.when(1, 10))
    s.approve("dana", s.when(2, 10))  # policies, plans, agreements, the configuration and the site's inputs
    s.approve("lena", s.when(2, 15))  # procedures (process owner)
    s.merge("starter-sms", "dana", s.when(3, 9, 30), "Merge branch 'starter-sms': first issue of the SMS")
    s.progress("demo: starter SMS approved and merged")


def _signing_key(s: _Story) -> None:
    """Day 20: an approver's SSH signing key, registered in .sms/allowed_signers (itself controlled).
    Without ssh-keygen there is no key, and the approval on day 46 is unsigned."""
    key = s.root / ".git" / "demo-keys" / "priya"
    if shutil.which("ssh-keygen") is not None:
        key.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "priya (sms-docs demo)", "-f", str(key)],
                       check=True, capture_output=True)
        public = key.with_suffix(".pub").read_text(encoding="utf-8").split()
        s.branch("signing-keys")
        with (s.root / ".sms" / "allowed_signers").open("a", encoding="utf-8") as fh:
            fh.write(f'{s.people["priya"].email} namespaces="git" {public[0]} {public[1]}\n')
        s.commit("Register Priya Nair's approval signing key", "ines", s.when(20, 14))
        s.approve("dana", s.when(21, 9), [".sms/allowed_signers"])
        s.merge("signing-keys", "dana", s.when(21, 10), "Merge branch 'signing-keys' into 'main'")
        s.signing_key = key


def _signed_revision(s: _Story) -> None:
    """Day 45: POL-003 revised by its owner, approved with a signed approval commit."""
    s.branch("pol-003-mfa")
    s.edit(s.path_of("POL-003"), "Multi-factor authentication is required for all staff accounts, all administrative access "
           "and all customer management portals.",
           "Phishing-resistant multi-factor authentication (FIDO2 security keys or passkeys) is required for all "
           "administrative access; multi-factor authentication is required for all staff accounts and all customer "
           "management portals.")
    s.commit("POL-003: require phishing-resistant MFA for administrative access\n\n"
             "Follows the Q1 risk assessment (PRC-021) and a customer security questionnaire.", "marcus", s.when(45, 11))
    key = s.signing_key
    signed = key is not None
    if key is not None:
        s.config("gpg.format", "ssh")
        s.config("user.signingKey", str(key))
    s.approve("priya", s.when(46, 16), ["POL-003"], sign=signed)
    if signed:
        s.config("user.signingKey", None)
    s.merge("pol-003-mfa", "dana", s.when(47, 9), "Merge branch 'pol-003-mfa' into 'main'")
    s.progress("demo: POL-003 revision 2, signed approval" if signed else "demo: POL-003 revision 2 (ssh-keygen missing: unsigned)")


def _change_record(s: _Story) -> None:
    """Day 60: a change record."""
    s.record("omar", 60, "change", ["PRC-005"], {
        "change_type": "normal", "summary": "Upgrade the firewall cluster firmware to close a vendor security advisory",
        "requested_by": "marcus", "services": ["Managed hosting", "Managed workplace"], "configuration_items": ["fw-cluster-01"],
        "risk": "medium", "impact": "Failover between cluster members; up to 2 minutes of interrupted sessions",
        "approved_by": ["CAB"], "backout_plan": "Roll back to the previous firmware image kept on the standby member",
        "outcome": "successful", "planned": (s.start + dt.timedelta(days=62)).isoformat(),
        "implemented": (s.start + dt.timedelta(days=62)).isoformat(),
        "post_implementation_review": "Objectives met; no incidents caused."}, "Change record: firewall firmware upgrade")


def _merge_request_approval(s: _Story) -> None:
    """Day 75: PRC-002 changed in a merge request, approved by a GitLab merge trailer."""
    s.branch("prc-002-security")
    s.edit(s.path_of("PRC-002"), "Requests without a catalogue entry default to 5 business days.",
           "Requests without a catalogue entry default to 5 business days.\n\nSuspected security incidents are "
           "logged at P2 or higher and passed to security operations within 30 minutes, as "
           "[POL-003](../policies/POL-003-information-security-policy.md) requires.")
    s.commit("PRC-002: route suspected security incidents to security operations", "omar", s.when(75, 15))
    s.merge("prc-002-security", "sofia", s.when(77, 10),
            "Merge branch 'prc-002-security' into 'main'\n\nPRC-002: route suspected security incidents to security operations\n\n"
            f"See merge request harbourline/sms!14\n\nApproved-by: {s.people['lena'].name} <{s.people['lena'].email}>")


def _self_approval(s: _Story) -> None:
    """Day 110: PRC-004 merged by its own author with his own trailer: a self-approval, rejected."""
    s.branch("prc-004-known-errors")
    s.edit(s.path_of("PRC-004"), "## 7. Fortnightly problem review",
           "Known errors are published to the service desk knowledge base within 1 business day of being "
           "recorded, with the workaround and the affected configuration items.\n\n## 7. Fortnightly problem review")
    s.commit("PRC-004: publish known errors within one business day", "omar", s.when(110, 14))
    s.merge("prc-004-known-errors", "omar", s.when(111, 9),
            "Merge branch 'prc-004-known-errors' into 'main'\n\nSee merge request harbourline/sms!17\n\n"
            f"Approved-by: {s.people['omar'].name} <{s.people['omar'].email}>")
    # ... and approved properly a week later, by the process owner, on the main line.
    s.approve("lena", s.when(118, 10), ["PRC-004"])
    s.progress("demo: a self-approval rejected, then approved by someone else")


def _incident_review(s: _Story) -> None:
    """Day 200: a major incident review."""
    s.record("omar", 200, "incident-review", ["PRC-003"], {
        "incident": "INC-004211", "services": ["Managed workplace"], "priority": "P1",
        "impact": "Sign-in failed for all managed workplace users for 2 hours 28 minutes; the P1 resolution target was met",
        "root_cause": "An expired signing certificate on the identity federation service",
        "problem": "PRB-0042", "security_incident": False,
        "what_went_well": ["Major incident declared within 10 minutes"],
        "lessons": ["Certificate expiry was not monitored"],
        "actions": [{"action": "Monitor certificate expiry 30 days ahead", "owner": "kwame",
                     "due": (s.start + dt.timedelta(days=230)).isoformat(), "status": "done"}]},
        "Major incident review: federation certificate expiry")


def _superseded_policy(s: _Story) -> None:
    """Day 230: POL-005 withdrawn, superseded by a new POL-006; the documents that cite it follow."""
    from sms_docs.actions.new import create
    from sms_docs.actions.obsolete import obsolete

    s.branch("release-policy-2")
    settings = config_mod.load_valid(s.root)
    old_path = s.path_of("POL-005")
    new_path = create(settings, "policy", "Release and continuous deployment policy", "kwame", "internal")
    new_rel = new_path.relative_to(s.root).as_posix()
    body = frontmatter.split(frontmatter.decode((s.root / old_path).read_bytes())).body
    body = body.replace("# Release and deployment policy", "# Release and continuous deployment policy", 1)
    body = body.replace("## 5.", "## 4a. Continuous deployment\n\nServices with automated tests, automated rollback and "
                        "monitored health checks may deploy approved standard changes continuously, without a release "
                        "window. Each deployment is recorded automatically against its change.\n\n## 5.", 1)
    new_text = frontmatter.decode(new_path.read_bytes())
    new_path.write_text(new_text[: new_text.index("\n---", 3) + 5] + body, encoding="utf-8")
    new_path.write_bytes(frontmatter.update_front_matter(new_path.read_bytes(), lambda m: m.update(
        {"clauses": ["8.5.3"], "related": ["PRC-006", "PRC-005", "POL-002", "PRC-007"]})))
    withdrawn = obsolete(s.root, "POL-005", "POL-006", None)
    for rel in sorted({p for _, p, _ in withdrawn.referrers} | {s.path_of("PLN-002")}):
        text = (s.root / rel).read_text(encoding="utf-8")
        text = text.replace(old_path.rsplit("/", 1)[1], new_rel.rsplit("/", 1)[1])
        text = text.replace("POL-005 Release and deployment policy", "POL-006 Release and continuous deployment policy")
        (s.root / rel).write_text(text.replace("POL-005", "POL-006"), encoding="utf-8")
    s.commit("Replace the release and deployment policy with POL-006\n\n"
             "POL-005 is withdrawn: continuous deployment needs its own rules.", "kwame", s.when(230, 16))
    s.approve("dana", s.when(232, 10))
    s.approve("lena", s.when(232, 11))
    s.merge("release-policy-2", "priya", s.when(233, 9), "Merge branch 'release-policy-2' into 'main'")
    s.progress("demo: POL-005 obsolete, superseded by POL-006")


def _unapproved_change(s: _Story) -> None:
    """Day 300: a direct change on main that nobody approved: the site keeps the approved revision."""
    s.edit(s.path_of("PRC-011"), "Twelve months before contract end", "Nine months before contract end")
    s.commit("Supplier contract end: start renewal nine months ahead", "kwame", s.when(300, 17, 40))


def _periodic_reviews(s: _Story) -> None:
    """Days 355-368: documents reviewed at their planned interval with no change: review records."""
    from sms_docs.actions.review import review

    for offset, ident, notes in ((355, "POL-001", "Checked against the management review outputs; still accurate."),
                                 (358, "PLN-001", "Scope unchanged: same services, sites and customers."),
                                 (360, "POL-004", "Supplier tiers and contract clauses still current."),
                                 (361, "PLN-003", "Recovery tiers match the service catalogue."),
                                 (368, "AGR-001", "Catalogue entries match the live services.")):
        done = review(s.root, ident, "no-change", notes, as_of=s.start + dt.timedelta(days=offset),
                      identity=s.identity("ines", s.when(offset, 10)))
        s.commit(f"Review {ident}: no change\n\nRecord {done.record.id}", "ines", s.when(offset, 10, 30))
    s.progress("demo: periodic reviews recorded")


def _internal_audit(s: _Story) -> None:
    """Day 400: an internal audit, which found the unapproved change."""
    on = s.start + dt.timedelta(days=355)  # the year of the periodic reviews
    s.record("tom", 400, "audit", ["PRC-001", "PRC-011"], {
        "scope": "Documentation management (7.5) and supplier management (8.3.4)", "auditor": "tom",
        "auditee": ["ines", "priya"], "criteria": ["ISO/IEC 20000-1:2018", "PRC-001", "PRC-011"],
        "programme": f"{on.year} audit programme, audit 2 of 4",
        "findings": [{"ref": "F1", "grade": "minor", "clause": "7.5.3",
                      "description": "PRC-011 was changed on the main branch without approval (sms-docs audit: unapproved-change)",
                      "corrective_action": "Protect the main branch; changes only through merge requests",
                      "due": (s.start + dt.timedelta(days=430)).isoformat()}],
        "conclusion": "Documentation management is effective apart from finding F1."}, "Internal audit: documentation and suppliers")


def _future_revision(s: _Story) -> None:
    """Day 470: a plan revision approved now, effective only after the end of the demo."""
    s.branch("capacity-thresholds")
    s.edit(s.path_of("PLN-004"), "| Host and cluster CPU | 70% | 80% | 90% |", "| Host and cluster CPU | 65% | 75% | 90% |")
    plan = s.root / s.path_of("PLN-004")
    planned = (s.start + dt.timedelta(days=540 + 24)).isoformat()
    plan.write_bytes(frontmatter.update_front_matter(plan.read_bytes(), lambda m: m.__setitem__("effective", planned)))
    s.commit("PLN-004: earlier CPU warnings from the next quarter", "sofia", s.when(470, 11))
    s.approve("dana", s.when(471, 9))
    s.merge("capacity-thresholds", "dana", s.when(472, 9), "Merge branch 'capacity-thresholds' into 'main'")


def _catalogue_update(s: _Story) -> None:
    """Day 520: the service catalogue revised in a merge request, approved by its merge trailer."""
    s.branch("catalogue-security-monitoring")
    s.edit(s.path_of("AGR-001"), "Alert triage within 30 minutes | 2 | In design |", "Alert triage within 30 minutes | 2 | Live |")
    s.commit("AGR-001: managed security monitoring is live", "sofia", s.when(520, 14))
    s.merge("catalogue-security-monitoring", "priya", s.when(522, 10),
            "Merge branch 'catalogue-security-monitoring' into 'main'\n\nSee merge request harbourline/sms!31\n\n"
            f"Approved-by: {s.people['dana'].name} <{s.people['dana'].email}>")
    s.record("sofia", 540, "change", ["AGR-001"], {
        "change_type": "standard", "summary": "Announce managed security monitoring on the customer portal",
        "requested_by": "sofia", "services": ["Managed security monitoring"], "risk": "low", "approved_by": ["sofia"],
        "outcome": "successful"}, "Change record: service catalogue update announced")


# The story, in the order it happened (each chapter's commits are dated from its day on).
CHAPTERS: tuple[Callable[[_Story], None], ...] = (
    _starter_sms,
    _signing_key,
    _signed_revision,
    _change_record,
    _merge_request_approval,
    _self_approval,
    _incident_review,
    _superseded_policy,
    _unapproved_change,
    _periodic_reviews,
    _internal_audit,
    _future_revision,
    _catalogue_update,
)
