"""The published site: the controlled document set as staff read it (ISO/IEC 20000-1:2011 4.3.2 e,
"the relevant version is available at the point of use").

`pages` turns the catalogue into pages, navigation and files (plain data, no MkDocs import);
`plugin` is the thin MkDocs adapter over it, so the site can move to another generator that reads
`mkdocs.yml` (Zensical) without a rewrite.
"""

from __future__ import annotations

from sms_docs.site.pages import AUDIENCES, Page, SiteOptions, SitePlan, build_plan

__all__ = ["AUDIENCES", "Page", "SiteOptions", "SitePlan", "build_plan"]
