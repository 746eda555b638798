"""`approve`: an approval commit that changes no file and binds each approval to a blob id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sms_docs import config as config_mod
from sms_docs import policy
from sms_docs.catalog import Catalog
from sms_docs.errors import Refused, UsageError
from sms_docs.gitrepo import committer_identity, parse_trailers
from sms_docs.history import APPROVAL_MEANING, APPROVAL_OF

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from sms_docs.config import Settings
    from sms_docs.gitrepo import GitRepo, Identity
    from sms_docs.model import Person


@dataclass(frozen=True)
class Approved:
    commit: str
    name: str
    email: str
    meaning: str
    items: list[tuple[str, str, str]]  # (key, path, blob)
    signed: bool
    skipped: list[str]  # with --all: what this person may not approve, and why


def approve(root: Path, keys: list[str], *, meaning: str, sign: bool, all_changed: bool,
            ref: str | None = None, identity: Identity | None = None,
            git_env: Mapping[str, str | None] | None = None) -> Approved:
    """Make the approval commit as `identity` (else git's committer identity); `git_env` is passed to
    git for that commit (the demo keeps the user's own git configuration out)."""
    if meaning not in ("approval", "review"):
        raise UsageError(f"--meaning {meaning!r}: use approval or review")
    name, email = committer_identity(root, identity)
    if not email:
        raise Refused("git has no committer identity", hint="set user.name and user.email")
    with Catalog.open(root, ref=ref, require_history=True) as cat:
        repo = cat.repo
        # Who may approve is what the audit will judge by: the configuration in force on the main
        # line (its last approved sms-docs.yml), not the one on this branch.
        in_force = cat.history.settings or cat.settings
        main_tip = repo.resolve(in_force.main_branch)
        first = main_tip is None or repo.blob_at(main_tip, config_mod.CONFIG_FILE) is None
        person = _approver(in_force, email, first=first)
        head = _head_to_approve(repo)
        by_key = _controlled_files(repo, cat.settings, head)
        # An approval binds to a blob: the same person approving the same content twice adds nothing
        # (unless this time they sign it).
        mine = {} if sign else _given(repo, head, person.all_emails, meaning, main_tip if main_tip != head else None)
        if all_changed:
            keys = _changed_unapproved(cat, head, main_tip, by_key, mine)
        if not keys:
            raise UsageError("name the documents to approve (IDs or configuration paths), or pass --all")
        items, skipped = _approvable(cat, in_force, keys, by_key, mine, person, head, all_changed)
        commit = repo.commit_empty(_message(items, name, email, meaning), sign, identity, git_env)
        return Approved(commit, name or person.name, email, meaning, items, sign, skipped)


def _approver(in_force: Settings, email: str, *, first: bool = False) -> Person:
    """The person the committer's email names in the configuration in force (`first`: none is on the
    main line yet, so the one being brought in judges itself)."""
    person = in_force.person_by_email(email)
    if person is None:
        which = ("sms-docs.yml (the first configuration, which judges itself)" if first
                 else "the approved sms-docs.yml on the main line")
        raise Refused(f"your git email {email} is not a person in {which}; nothing was committed",
                      hint="approve with the email sms-docs.yml lists for you (git config user.email), or add yourself "
                           "to people in sms-docs.yml")
    return person


def _head_to_approve(repo: GitRepo) -> str:
    """HEAD, with nothing staged: the approval commit changes no file."""
    if not repo.working_tree_clean_index():
        raise Refused("the index has staged changes; an approval commit must change no file: nothing was committed",
                      hint="commit or unstage them first (git status)")
    head = repo.resolve("HEAD")
    if head is None:
        raise Refused("there is no commit to approve yet", hint="commit the documents first")
    return head


def _controlled_files(repo: GitRepo, settings: Settings, head: str) -> dict[str, tuple[str, str]]:
    """key -> (path, blob) of every controlled file in HEAD: documents, schemas, configuration, site inputs."""
    folders = [*settings.document_folders, "schemas", ".sms", config_mod.CONFIG_FILE, config_mod.SITE_FILE,
               *(f.rstrip("/") for f in config_mod.SITE_FOLDERS)]
    by_key: dict[str, tuple[str, str]] = {}
    for path, blob in repo.list_tree(head, folders).items():
        found = policy.key_of_path(path, settings)
        if found is not None:
            by_key[found[0]] = (path, blob)
    return by_key


def _changed_unapproved(cat: Catalog, head: str, main_tip: str | None, by_key: dict[str, tuple[str, str]],
                        mine: dict[tuple[str, str], str]) -> list[str]:
    """What --all approves: each controlled file this branch changes that is neither approved on the
    main line nor already approved by this person."""
    repo = cat.repo
    keys = [k for k in sorted(by_key) if _unapproved(cat, k, by_key[k][1])]
    # A branch that brings sms-docs.yml to a main line that has none is the adoption: control
    # begins with its merge, and every controlled file then on the main line is judged there,
    # the ones it leaves as they were included (issue 12). --all approves them all.
    adopting = (main_tip is not None and main_tip != head and repo.blob_at(main_tip, config_mod.CONFIG_FILE) is None
                and repo.blob_at(head, config_mod.CONFIG_FILE) is not None)
    keys = [k for k in keys if adopting or _changed_on_branch(cat, head, by_key[k][0])]
    keys = [k for k in keys if (k, by_key[k][1]) not in mine]
    if not keys:
        raise Refused("nothing to approve: every controlled file this branch changes is approved on the main line "
                      "or already by you; nothing was committed")
    return keys


def _approvable(cat: Catalog, in_force: Settings, keys: list[str], by_key: dict[str, tuple[str, str]],
                mine: dict[tuple[str, str], str], person: Person, head: str,
                all_changed: bool) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(key, path, blob) of each named file this person may approve now, and (with --all) why the
    others were left out. A file named but not approvable refuses the whole approval."""
    repo = cat.repo
    items: list[tuple[str, str, str]] = []
    skipped: list[str] = []
    for key in dict.fromkeys(keys):
        if key not in by_key:
            raise UsageError(f"{key} is not a controlled file in HEAD; nothing was committed",
                             hint="check the ID (`sms-docs status`), and commit the document before approving it")
        path, blob = by_key[key]
        _refuse_uncommitted(repo, path, key)
        if not _unapproved(cat, key, blob):
            number = cat.history.files[key].revisions[-1].number
            raise Refused(f"{key} is unchanged since its approved revision {number}; nothing was committed")
        if (key, blob) in mine:
            raise Refused(f"{key} at this content ({blob[:10]}) is already approved by {person.id} in commit "
                          f"{mine[(key, blob)][:10]}; nothing was committed",
                          hint="an approval binds to the content: it stands until the file changes")
        try:
            _refuse_unauthorised(cat, in_force, key, path, person, head)
        except Refused as exc:
            if not all_changed:
                raise
            skipped.append(exc.message.replace("; nothing was committed", ""))
            continue
        items.append((key, path, blob))
    if not items:
        raise Refused("nothing you may approve on this branch; nothing was committed",
                      hint="; ".join(skipped[:3]) + (" ..." if len(skipped) > 3 else ""))
    return items, skipped


def _message(items: list[tuple[str, str, str]], name: str | None, email: str, meaning: str) -> str:
    """The approval commit's message: a subject, then the trailers that bind each approval to its blob."""
    lines = [f"Approve {', '.join(k for k, _, _ in items)}" if len(items) <= 3 else f"Approve {len(items)} documents",
             "", f"Approved-by: {name} <{email}>"]
    lines += [f"{APPROVAL_OF}: {key} {blob}" for key, _, blob in items]
    lines.append(f"{APPROVAL_MEANING}: {meaning}")
    return "\n".join(lines) + "\n"


def _given(repo: GitRepo, head: str, emails: tuple[str, ...], meaning: str,
           main_tip: str | None) -> dict[tuple[str, str], str]:
    """(key, blob) -> commit, for the approval commits this person made with this meaning on this
    branch (reachable from HEAD, not from the main line's tip: an approval of an earlier landing of
    the same text does not count for this one)."""
    wanted = {e.lower() for e in emails}
    given: dict[tuple[str, str], str] = {}
    for commit, committer, message in repo.messages_with_trailer(head, APPROVAL_OF, main_tip):
        if committer.lower() not in wanted:
            continue
        trailers = parse_trailers(message)
        said = next((v.strip().lower() for k, v in trailers if k.lower() == APPROVAL_MEANING.lower()), "approval")
        if said != meaning:
            continue
        for k, v in trailers:
            fields = v.split()
            if k.lower() == APPROVAL_OF.lower() and len(fields) == 2:
                given.setdefault((fields[0], fields[1]), commit)
    return given


def _unapproved(cat: Catalog, key: str, blob: str) -> bool:
    """Is this content something other than the approved content on the main line now? (A revert
    to an older approved text needs an approval of its own.)"""
    fh = cat.history.files.get(key)
    if fh is None or fh.blob != blob or not fh.revisions:
        return True
    return fh.revisions[-1].number is None


def _changed_on_branch(cat: Catalog, head: str, path: str) -> bool:
    main = cat.repo.resolve(cat.settings.main_branch)
    if main is None or main == head:
        return True
    return cat.repo.blob_at(main, path) != cat.repo.blob_at(head, path)


def _refuse_uncommitted(repo: GitRepo, path: str, key: str) -> None:
    if repo.has_uncommitted_changes(path):
        raise Refused(f"{key} ({path}) has uncommitted changes; an approval binds to committed content: nothing was committed",
                      hint="commit the change, then approve")


def _refuse_unauthorised(cat: Catalog, settings: Settings, key: str, path: str, person: Person, head: str) -> None:
    """The audit's rules, checked before the commit: who may approve (policy.rules_for, under the
    configuration in force) and segregation of duties (policy.authored)."""
    fh = cat.history.files.get(key)
    kind = "config" if policy.is_config_path(path) else "document"
    previous = next((r for r in reversed(fh.revisions) if r.number is not None and not r.deleted), None) if fh else None
    before = None
    if kind == "document" and previous is not None:
        from sms_docs.documents import read_document

        before = read_document(previous.path, cat.repo.read_blob(previous.blob))
    rules = policy.rules_for(kind, key, settings, before)
    if not policy.may_approve(rules, person):
        raise Refused(f"{person.id} may not approve {key} (approvers: {', '.join(sorted(rules.approvers))}); "
                      "nothing was committed")
    if rules.allow_author_approval:
        return
    since = next((r.commit for r in reversed(fh.revisions) if r.number is not None), None) if fh else None
    # Segregation of duties starts with control, as the audit has it: authors of commits from before
    # control began (before the first main-line commit holding sms-docs.yml) are not authors of the
    # first controlled revision (issue 12).
    since = since or cat.history.pre_control_tip
    if policy.authored(person, cat.repo.authors_between(since, head, path)):
        raise Refused(f"{person.id} authored a change to {key} since its last approved revision: someone else must approve it "
                      "(segregation of duties); nothing was committed")
