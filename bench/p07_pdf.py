"""P7 — PDF of the protocol (389н), the act, the справка and the ИПРА: ms per page of the product's PDF (WeasyPrint
→ PDF/A-3b, tagged, sRGB output intent, embedded DejaVu; `form_pdf.render_form_pdf` / `results.printing.html_to_pdf`)
against a *plain* render of the same HTML in the same run: the same WeasyPrint, HTML, CSS, fonts and fetcher, but
`write_pdf()` without `pdf_variant`, `pdf_tags` and `output_intent` — i.e. what the archival conformance (XMP
metadata, ICC output intent, the structure tree of a tagged PDF) costs on top of layout and drawing.
The HTML is rendered from the templates once, before timing (its cost is in `details`).

Second half of the target ("API p95 unaffected, +20 % at most, while rendering") in-process: the main thread times a
cheap DB-backed call (a one-row SELECT through the product's engine, SQLite) alone (the baseline), then while another
thread of the same process issues a decision's documents again and again (`build_documents` of a snapshot, as the head's
signature does): first with the production builder of `mse serve`, the render pool (`results.pool.RenderPool`, one
process: MSE_RENDER_PROCESSES=1) — the figure —, then rendering in that thread itself (`MSE_RENDER_PROCESSES=0`,
what every request did before the pool: the GIL is held by WeasyPrint) — "before" in the details. The details also
keep each variant timed from the call's arrival (the wait for the GIL and a core after the pause included).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench.harness import Context, Result, benchmark, percentile, ratio, summary_ms

TITLE = "PDF документов"
TARGET = "≤ 250 мс на страницу; p95 API +20 % при рендеринге"
DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def _documents() -> dict[str, tuple[str, str, Callable[[str], bytes], Callable[[str], bytes]]]:
    """kind → (html, base_url, product render, plain render)."""
    import weasyprint  # type: ignore[import-untyped]

    from bench.protocol.run import HELD, full_protocol
    from mse.adapters.documents.results import act, certificate, ipra
    from mse.adapters.documents.results.printing import RESULTS_TEMPLATES, html_to_pdf, pdf_identifier, render_html
    from mse.adapters.documents.results.snapshot import read_snapshot
    from mse.adapters.pdf.form_pdf import TEMPLATES, LocalFileFetcher, PrintHeader, SignatureLine, font_config, render_form_html
    from mse.adapters.refdata.icd10 import icd10
    from mse.forms import form_in_force

    def plain(base: str) -> Callable[[str], bytes]:
        def render(html: str) -> bytes:
            pdf = weasyprint.HTML(string=html, base_url=base, url_fetcher=LocalFileFetcher()).write_pdf(font_config=font_config())
            assert isinstance(pdf, bytes)
            return pdf
        return render

    out: dict[str, tuple[str, str, Callable[[str], bytes], Callable[[str], bytes]]] = {}
    schema = form_in_force("protocol-389n", HELD)
    data = full_protocol(schema, icd10().exists)
    header = PrintHeader("ФКУ «ГБ МСЭ по г. Москве» Минтруда России, бюро № 1", "77-1-000001/2026", date(2026, 3, 2), schema.title)
    signatures = [SignatureLine("head", "Руководителева Анна Петровна", "Руководитель бюро", "01AB", None),
                  SignatureLine("specialist", "Экспертов Иван Иванович", "Врач по медико-социальной экспертизе", "02CD", None)]
    html = render_form_html(schema, data, header=header, signatures=signatures, signed=True)
    protocol_base = TEMPLATES.as_uri() + "/"

    def protocol_pdf(h: str) -> bytes:
        document = weasyprint.HTML(string=h, base_url=protocol_base, url_fetcher=LocalFileFetcher())
        pdf = document.write_pdf(pdf_variant="pdf/a-3b", pdf_tags=True, output_intent="--mse-srgb", font_config=font_config())
        assert isinstance(pdf, bytes)
        return pdf  # = form_pdf.render_form_pdf after its render_form_html

    out["protocol"] = (html, protocol_base, protocol_pdf, plain(protocol_base))
    snapshot = read_snapshot((DATA / "decision_snapshot_adult.json").read_bytes())
    results_base = RESULTS_TEMPLATES.as_uri() + "/"
    for name, module in (("act", act), ("certificate", certificate), ("ipra", ipra)):
        doc = module.document(snapshot)
        page = render_html(f"{module.KIND}.html", snapshot, doc, title=module.title(snapshot), note=module.note(snapshot))
        ident = pdf_identifier(snapshot, module.KIND)
        out[name] = (page, results_base, lambda h, i=ident: html_to_pdf(h, i), plain(results_base))
    return out


def _pages(html: str, base: str) -> int:
    import weasyprint

    from mse.adapters.pdf.form_pdf import LocalFileFetcher, font_config

    return len(weasyprint.HTML(string=html, base_url=base, url_fetcher=LocalFileFetcher()).render(font_config=font_config()).pages)


def _db_call(workdir: Path) -> Callable[[], object]:
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{workdir / 'p07.sqlite3'}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
        c.execute(text("INSERT OR IGNORE INTO t VALUES (1, 'x')"))

    def call() -> object:
        with engine.connect() as c:
            return c.execute(text("SELECT v FROM t WHERE id = 1")).scalar_one()
    return call


def _timed_calls(call: Callable[[], object], seconds: float) -> tuple[list[float], list[float]]:
    """(service, arrival) seconds of each call. Service: from the call to its return (the figure, as before). Arrival:
    from the moment the 2 ms pause ends — a thread that wakes while another holds the GIL (or while the cores are busy)
    waits before it can even read the clock; the service time hides that wait, the arrival time counts it."""
    service, arrival = [], []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        due = time.perf_counter() + 0.002
        time.sleep(0.002)  # an API call now and then, not a busy loop
        t0 = time.perf_counter()
        call()
        t1 = time.perf_counter()
        service.append(t1 - t0)
        arrival.append(t1 - due)
    return service, arrival


def _issue_loop(stop: threading.Event, build: Callable[[bytes], object], snapshot: bytes) -> None:
    while not stop.is_set():
        build(snapshot)


def _while_issuing(call: Callable[[], object], build: Callable[[bytes], object], snapshot: bytes,
                   seconds: float) -> tuple[list[float], list[float]]:
    """The DB call timed while another thread of this process builds a decision's documents with ``build``."""
    build(snapshot)  # warm: templates, fonts; and the pool's processes are up
    stop = threading.Event()
    thread = threading.Thread(target=_issue_loop, args=(stop, build, snapshot), daemon=True)
    thread.start()
    time.sleep(0.5)  # let it reach rendering
    try:
        return _timed_calls(call, seconds)
    finally:
        stop.set()
        thread.join()


def _interference(ctx: Context, seconds: float) -> dict[str, Any]:
    from mse.adapters.documents.results import build_documents
    from mse.adapters.documents.results.pool import RenderPool

    snapshot = (DATA / "decision_snapshot_adult.json").read_bytes()
    call = _db_call(ctx.workdir)
    for _ in range(50):
        call()
    alone = _timed_calls(call, seconds)
    with RenderPool(1, timeout_s=120) as pool:  # what `mse serve` builds (MSE_RENDER_PROCESSES default 1)
        t0 = time.perf_counter()
        pool.wait_ready()
        started = time.perf_counter() - t0
        with_pool = _while_issuing(call, pool, snapshot, seconds)
        restarts = pool.restarts
    with_thread = _while_issuing(call, build_documents, snapshot, seconds)
    runs = {"alone": alone, "render_pool": with_pool, "render_thread": with_thread}
    return ({k: summary_ms(service) for k, (service, _) in runs.items()}
            | {"arrival": {k: summary_ms(arrival) for k, (_, arrival) in runs.items()},
               "pool_processes": 1, "pool_start_s": round(started, 2), "pool_restarts": restarts})


@benchmark("P7", TITLE, TARGET)
def run(ctx: Context) -> list[Result]:
    reps = ctx.size(10, 1)
    docs = _documents()
    out: list[Result] = []
    for kind, (html, base, product, plain) in docs.items():
        pages = _pages(html, base)  # also the warm-up: fonts, fetcher, caches
        prod_t, plain_t = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            product(html)
            t1 = time.perf_counter()
            plain(html)
            t2 = time.perf_counter()
            prod_t.append(t1 - t0)
            plain_t.append(t2 - t1)
        per_page = percentile(prod_t, 50) / pages * 1000  # the median document: rendering is long, samples few
        base_page = percentile(plain_t, 50) / pages * 1000
        met = per_page <= 250
        notes = [] if met else [f"цель не достигнута: {per_page:.0f} мс на страницу"]
        out.append(Result("P7", TITLE, kind, round(per_page, 1), "мс/стр. (медиана)", round(base_page, 1), "мс/стр.",
                          "тот же HTML без PDF/A и тегов", ratio(per_page, base_page), "PDF/A-3b / простой PDF", "≤ 250 мс на страницу",
                          met, notes, {"pages": pages, "html_bytes": len(html.encode()), "product": summary_ms(prod_t),
                                       "plain": summary_ms(plain_t)}))
    seconds = float(ctx.size(10, 2))
    inter = _interference(ctx, seconds)
    alone, pool, thread = (inter[k]["p95_ms"] for k in ("alone", "render_pool", "render_thread"))
    met = pool <= alone * 1.2
    notes = [f"после (пул рендеринга, 1 процесс — как `mse serve`): p95 {pool:.2f} мс ({ratio(pool, alone)}×); "
             f"до (рендеринг в потоке того же процесса): p95 {thread:.2f} мс ({ratio(thread, alone)}×)",
             "p95 от момента прихода вызова (с ожиданием GIL и ядра): " + ", ".join(
                 f"{label} {inter['arrival'][k]['p95_ms']:.2f} мс" for k, label in
                 (("alone", "без рендеринга"), ("render_pool", "пул"), ("render_thread", "поток"))),
             "измерено в одном процессе (поток, выпускающий документы решения, + поток с вызовом БД), не на HTTP-сервере"]
    out.append(Result("P7", TITLE, "api-p95-while-rendering", pool, "мс p95 (рендеринг в пуле процессов)", alone, "мс p95",
                      "тот же вызов БД без рендеринга", ratio(pool, alone), "при рендеринге / без", "p95 API +20 % максимум",
                      met, notes, inter | {"before_in_thread_p95_ms": thread, "met_in_thread": thread <= alone * 1.2}))
    return out
