"""The monthly report to the executives and every agency: issues sent, agencies involved,
clarification news, and each agency's on-time record (answers within 24 hours), with a chart."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from bkkwatch.settings import Settings, get_settings
from bkkwatch.timeutil import BANGKOK, BE_OFFSET, THAI_MONTHS
from casework.dispatch import Message, Sender, default_sender, deliver_all
from storage.models import Answer, Clarification, ClarificationState, Issue


@dataclass
class AgencyRecord:
    name: str
    issues: int = 0
    on_time: int = 0
    late: int = 0
    unanswered: int = 0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.issues if self.issues else 0.0


@dataclass
class MonthlyReport:
    month: str  # YYYY-MM
    issues_sent: int = 0
    urgent: int = 0
    clarifications: int = 0
    agencies: list[AgencyRecord] = field(default_factory=list)

    @property
    def agencies_involved(self) -> int:
        return len(self.agencies)

    def title(self) -> str:
        year, month = (int(p) for p in self.month.split("-"))
        return f"รายงานประจำเดือน{THAI_MONTHS[month - 1]} {year + BE_OFFSET}"


def month_bounds(month: str) -> tuple[datetime, datetime]:
    year, mon = (int(p) for p in month.split("-"))
    start = datetime.combine(date(year, mon, 1), time(0), tzinfo=BANGKOK)
    end = datetime.combine(date(year + (mon == 12), mon % 12 + 1, 1), time(0), tzinfo=BANGKOK)
    return start.astimezone(UTC), end.astimezone(UTC)


def previous_month(now: datetime | None = None) -> str:
    local = (now or datetime.now(UTC)).astimezone(BANGKOK)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def build_report(session: Session, month: str) -> MonthlyReport:
    start, end = month_bounds(month)
    report = MonthlyReport(month)
    issues = list(
        session.scalars(
            select(Issue)
            .where(Issue.sent_at >= start, Issue.sent_at < end)
            .options(selectinload(Issue.agencies))
            .order_by(Issue.id)
        )
    )
    report.issues_sent = len(issues)
    report.urgent = sum(1 for i in issues if i.urgent)
    records: dict[str, AgencyRecord] = {}
    for issue in issues:
        answers = {
            a.agency_id: a.received_at for a in session.scalars(select(Answer).where(Answer.issue_id == issue.id))
        }
        for agency in issue.agencies:
            record = records.setdefault(agency.name_th, AgencyRecord(agency.name_th))
            record.issues += 1
            answered = answers.get(agency.id)
            if answered is None:
                record.unanswered += 1
            elif issue.due_at is None or answered <= issue.due_at:
                record.on_time += 1
            else:
                record.late += 1
    report.agencies = sorted(records.values(), key=lambda r: (-r.issues, r.name))
    report.clarifications = len(
        list(
            session.scalars(
                select(Clarification.id).where(
                    Clarification.state == ClarificationState.PUBLISHED,
                    Clarification.published_at >= start,
                    Clarification.published_at < end,
                )
            )
        )
    )
    return report


def _chart(report: MonthlyReport) -> str:
    """A horizontal bar chart (SVG) of each agency's share of answers on time."""
    rows = report.agencies[:25]
    if not rows:
        return "<p>ไม่มีประเด็นในเดือนนี้</p>"
    bar, label, height = 320, 300, 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label + bar + 80}" height="{height * len(rows) + 10}" '
        'role="img" aria-label="สัดส่วนการตอบภายใน 24 ชั่วโมง">'
    ]
    for i, row in enumerate(rows):
        y = 5 + i * height
        width = round(bar * row.on_time_rate)
        colour = "#2e7d32" if row.on_time_rate >= 0.9 else "#f9a825" if row.on_time_rate >= 0.6 else "#c62828"
        parts.append(
            f'<text x="{label - 6}" y="{y + 16}" text-anchor="end" font-size="13">{html.escape(row.name)}</text>'
        )
        parts.append(f'<rect x="{label}" y="{y + 3}" width="{bar}" height="{height - 8}" fill="#eee"/>')
        parts.append(f'<rect x="{label}" y="{y + 3}" width="{width}" height="{height - 8}" fill="{colour}"/>')
        parts.append(
            f'<text x="{label + bar + 6}" y="{y + 16}" font-size="13">{row.on_time_rate:.0%} '
            f"({row.on_time}/{row.issues})</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: MonthlyReport) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(r.name)}</td><td>{r.issues}</td><td>{r.on_time}</td><td>{r.late}</td>"
        f"<td>{r.unanswered}</td><td>{r.on_time_rate:.0%}</td></tr>"
        for r in report.agencies
    )
    return f"""<!doctype html><html lang="th"><head><meta charset="utf-8"><title>{html.escape(report.title())}</title>
<style>body{{font-family:"Sarabun","Noto Sans Thai","TH Sarabun New",sans-serif;margin:2em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px}}</style></head><body>
<h1>{html.escape(report.title())}</h1>
<p>ประเด็นที่ส่งหน่วยงาน <b>{report.issues_sent}</b> เรื่อง (เร่งด่วน {report.urgent}) ·
หน่วยงานที่เกี่ยวข้อง <b>{report.agencies_involved}</b> หน่วยงาน ·
ข่าวชี้แจง <b>{report.clarifications}</b> เรื่อง</p>
<h2>การตอบประเด็นภายใน 24 ชั่วโมง</h2>
{_chart(report)}
<table><tr><th>หน่วยงาน</th><th>ประเด็น</th><th>ตอบทันเวลา</th><th>ตอบล่าช้า</th><th>ยังไม่ตอบ</th><th>ทันเวลา</th></tr>
{rows}</table></body></html>
"""


def render_text(report: MonthlyReport) -> str:
    lines = [
        report.title(),
        f"ประเด็นที่ส่งหน่วยงาน {report.issues_sent} เรื่อง, หน่วยงานที่เกี่ยวข้อง "
        f"{report.agencies_involved} หน่วยงาน, ข่าวชี้แจง {report.clarifications} เรื่อง",
    ]
    lines += [f"- {r.name}: {r.issues} ประเด็น, ตอบทันเวลา {r.on_time_rate:.0%}" for r in report.agencies]
    return "\n".join(lines)


def publish_monthly_report(
    sessions: sessionmaker[Session],
    month: str | None = None,
    settings: Settings | None = None,
    sender: Sender = default_sender,
    now: datetime | None = None,
) -> dict[str, object]:
    """Write the month's report (HTML with the chart) and e-mail it, once per month and recipient."""
    settings = settings or get_settings()
    month = month or previous_month(now)
    with sessions() as session:
        report = build_report(session, month)
    body = render_html(report)
    path = Path(settings.reports_dir) / f"{month}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)  # never a half-written report
    messages = [
        Message(
            f"report:{month}:email:{address}",
            "email",
            address,
            render_text(report),
            "report",
            subject=f"[bkkwatch] {report.title()}",
            html=body,
        )
        for address in settings.report_recipients
    ]
    delivery = deliver_all(sessions, messages, settings, sender)
    return {
        "month": month,
        "path": str(path),
        "issues_sent": report.issues_sent,
        "agencies_involved": report.agencies_involved,
        "clarifications": report.clarifications,
        **delivery.as_dict(),
    }
