"""Small repositories in the shapes `sms-docs adopt` takes in, each with a real history: pull
requests merged with merge commits, squash commits whose subject ends in `(#N)` committed by the
forge, and renames. The content is written here (never copied from the projects it imitates)."""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from conftest import Repo

if TYPE_CHECKING:
    from pathlib import Path

GITHUB = ("GitHub", "noreply@github.com")
PEOPLE = {"dana": ("Dana Reyes", "dana@example.com"), "omar": ("Omar Haddad", "omar@example.com"),
          "lena": ("Lena Fischer", "lena@example.com"), "priya": ("Priya Nair", "priya@example.com")}


def new_repo(path: Path) -> Repo:
    path.mkdir(parents=True)
    repo = Repo(path)
    repo.git("init", "-q", "--initial-branch=main")
    return repo


def commit(repo: Repo, message: str, files: dict[str, str | bytes | None] | None = None, *,
           author: tuple[str, str], committer: tuple[str, str] | None = None) -> str:
    """A commit with any identities (the forge's own among them), at the repository's next fixed date."""
    if files:
        repo.write(files)
    repo.clock += 1
    date = f"2025-03-{1 + repo.clock // 60:02d}T{9 + repo.clock % 12:02d}:{repo.clock % 60:02d}:00+00:00"
    c = committer or author
    env = {**os.environ, "GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1], "GIT_COMMITTER_NAME": c[0],
           "GIT_COMMITTER_EMAIL": c[1], "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "add", "-A"], cwd=repo.path, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo.path, check=True, env=env)
    return repo.git("rev-parse", "HEAD")


def merge_pr(repo: Repo, branch: str, number: int, merger: str = "dana") -> None:
    repo.checkout("main")
    repo.merge(branch, f"Merge pull request #{number} from {branch}", who=merger,
               date=f"2025-04-{number:02d}T10:00:00+00:00")


LONG = ("This text is long enough for git to see a file renamed with its front matter added as the same\n"
        "file: git pairs an old and a new name when at least half of the content is the same.\n")

ACCESS = (
    "## Purpose\n\n"
    "Access to systems follows least privilege :lock: and is reviewed every quarter.\n\n"
    "[![status](https://img.shields.io/badge/policy-active-green)](https://example.com)\n\n"
    "## Rules\n\n"
    "1. Accounts are requested through the service desk.\n"
    "    - The manager approves the request.\n"
    "    - The owner of the system grants it.\n"
    "2. Leavers lose access on their last day, see [incident response](/procedures/incident-response/).\n\n"
    + LONG + LONG
)
REMOTE = "# Remote working policy 🏠\n\nStaff may work remotely with a managed laptop.\n\n" + LONG + LONG
PASSWORD = ('\ufeff<h1 align="center">Password &amp; passphrase policy</h1>\r\n\r\n'
            "Passphrases have at least 16 characters.\r\n\r\n" + (LONG + LONG).replace("\n", "\r\n")
            + "No trailing newline here")
INCIDENT = ("Incident response\n=================\n\n```mermaid\ngraph TD\n  A[Detect] --> B[Respond]\n```\n\n"
            "---\n\nSee the [access policy](/policies/access-control/).\n\n"
            + LONG + LONG)


def plain(path: Path) -> Repo:
    """Plain Markdown folders: no front matter, mostly no H1, site-absolute links, 4-space lists,
    HTML headings, mermaid, emoji, CRLF and a BOM; PRs merged by Dana, a squash commit by the forge,
    and a rename in the history."""
    repo = new_repo(path)
    commit(repo, "Initial policies", {"README.md": "# Our policies\n\nPublished at https://policies.example.com\n",
                                      "policies/access-control.md": ACCESS, "policies/old-remote.md": REMOTE,
                                      "policies/password.md": PASSWORD.encode("utf-8"),
                                      "procedures/incident-response.md": INCIDENT},
           author=PEOPLE["lena"])
    repo.branch("omar/access")
    commit(repo, "Access: quarterly reviews", {"policies/access-control.md": ACCESS + "Reviews are quarterly.\n"},
           author=PEOPLE["omar"])
    commit(repo, "Access: leavers", {"policies/access-control.md": ACCESS + "Reviews are quarterly.\nLeavers too.\n"},
           author=PEOPLE["omar"])
    merge_pr(repo, "omar/access", 3)
    repo.git("mv", "policies/old-remote.md", "policies/remote-working.md")
    commit(repo, "Rename the remote working policy (#7)", author=PEOPLE["omar"], committer=GITHUB)
    commit(repo, "Incident response: escalation (#12)",
           {"procedures/incident-response.md": INCIDENT + "Escalate to the duty manager.\n"},
           author=PEOPLE["lena"], committer=GITHUB)
    return repo


COMPLY_ACCESS = ("name: Access Control Policy\nacronym: ACP\nsatisfies:\n  TSC:\n    - CC6.1\n    - CC6.2\n"
                 "  ISO20000-2011:\n    - \"4.3.1\"\nmajorRevisions:\n  - date: Jun 1 2018\n    comment: Initial document\n"
                 "---\n\n# Purpose and Scope\n\na. Access follows least privilege at {{.Name}}.\n\n"
                 "    i. Managers approve access.\n\n" + LONG + LONG)
COMPLY_NARRATIVE = ("name: Control Environment Narrative\nacronym: CEN\nsatisfies:\n  TSC:\n    - CC2.1\n"
                    "majorRevisions:\n  - date: Jun 1 2018\n    comment: Initial document\n---\n\n"
                    "# Control Environment Narrative\n\nThe controls of {{.Name}} are described here.\n\n" + LONG + LONG)
COMPLY_PROCEDURE = ('id: "onboard"\nname: "Onboard New User"\ncron: "0 0 * * *"\n---\n\n'
                    "Resolve this ticket by executing the following steps:\n\n- [ ] Add the user to the group\n"
                    "    - [ ] Confirm with the manager\n\n" + LONG + LONG)
COMPLY_STANDARD = "name: TSC\nCC6.1:\n  family: CC6\n  name: Logical Access\n  description: Access is restricted\n"


def comply(path: Path) -> Repo:
    """A strongdm/comply project: headless front matter in narratives, policies and procedures; a
    standards/ control catalogue; changes merged by Priya and Dana."""
    repo = new_repo(path)
    commit(repo, "comply init", {"comply.yml": "name: Acme\nfilePrefix: Acme\n", "README.md": "# Acme compliance\n",
                                 "narratives/control.md": COMPLY_NARRATIVE, "policies/access.md": COMPLY_ACCESS,
                                 "policies/README.md": "# Policies\n", "procedures/onboarding.md": COMPLY_PROCEDURE,
                                 "standards/TSC-2017.yml": COMPLY_STANDARD},
           author=PEOPLE["omar"])
    repo.branch("access-review")
    commit(repo, "Access policy: review", {"policies/access.md": COMPLY_ACCESS + "Reviewed.\n"}, author=PEOPLE["lena"])
    merge_pr(repo, "access-review", 5, merger="priya")
    return repo


DOORSTOP_CONFIG = ("settings:\n  digits: 3\n  prefix: REQ\n  sep: ''\nattributes:\n  defaults:\n    doc:\n"
                   "      name: 'Requirements'\n")
TUT_CONFIG = "settings:\n  digits: 3\n  parent: REQ\n  prefix: TUT\n  sep: ''\n"


def item(text: str, *, header: str = "", level: str = "1.1", links: str = "[]", normative: str = "true",
         active: str = "true") -> str:
    head = f"header: |\n  {header}\n" if header else "header: ''\n"
    body = "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())
    return (f"active: {active}\nderived: false\n{head}level: {level}\nlinks: {links}\nnormative: {normative}\n"
            f"ref: ''\nreviewed: abc123=\ntext: |\n{body}")


def doorstop(path: Path) -> Repo:
    """A doorstop tree: REQ items (one a heading, one inactive) and TUT items linking to them."""
    repo = new_repo(path)
    commit(repo, "doorstop create REQ", {
        "reqs/.doorstop.yml": DOORSTOP_CONFIG,
        "reqs/REQ001.yml": item("Changes **shall** be approved before release.\n\nEvery change has an owner.",
                                header="Change approval", level="1.1"),
        "reqs/REQ002.yml": item("Service continuity", level="2.0", normative="false"),
        "reqs/REQ003.yml": item("Backups **shall** be tested every month.", header="Backup tests", level="2.1"),
        "reqs/REQ004.yml": item("An old requirement.", header="Withdrawn", level="2.2", active="false"),
        "reqs/tutorial/.doorstop.yml": TUT_CONFIG,
        "reqs/tutorial/TUT001.yml": item("**Approving a change**\n\nAsk the change manager.", level="1.1",
                                         links="\n- REQ001: abc=\n- REQ003: def="),
    }, author=PEOPLE["lena"])
    repo.branch("req-update")
    commit(repo, "REQ001: owners", {"reqs/REQ001.yml": item(
        "Changes **shall** be approved before release.\n\nEvery change has an owner and a reviewer.",
        header="Change approval", level="1.1")}, author=PEOPLE["omar"])
    merge_pr(repo, "req-update", 9)
    return repo
