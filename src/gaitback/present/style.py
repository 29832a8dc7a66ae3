"""The report's stylesheet: screen and A4 print (clean page breaks)."""

from __future__ import annotations

from typing import Final

CSS: Final = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:980px;
margin:0 auto;padding:1.2em;color:#222;line-height:1.45;background:#fafafa}
h1{margin:0}.sub{color:#666;margin:.1em 0 .6em}
h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.4em}
.quality{color:#555;font-size:.9em}.card{background:#fff;border:1px solid #ddd;
border-left:6px solid #999;border-radius:6px;padding:.5em 1em;margin:.8em 0}
.card.act{border-left-color:#c0392b}.card.watch{border-left-color:#e6a700}
.badge{display:inline-block;padding:.05em .55em;border-radius:1em;font-size:.8em;
font-weight:600;color:#fff;background:#999;margin-left:.5em;vertical-align:middle}
.badge.act{background:#c0392b}.badge.watch{background:#b58100}.badge.ok{background:#2e8b57}
.conf{color:#555;font-size:.8em;margin-left:.5em;font-weight:normal}
table{border-collapse:collapse;width:100%;font-size:.86em;margin:.4em 0}
th,td{border-bottom:1px solid #e5e5e5;text-align:left;padding:.22em .45em;vertical-align:top}
th{background:#f0f0f0}td.num{text-align:right;white-space:nowrap}
table.facts th{width:11em;background:none;color:#555;font-weight:600}
td.src{color:#666;font-size:.88em}.lvl-act{color:#c0392b;font-weight:600}
.lvl-watch{color:#b58100;font-weight:600}.lvl-ok{color:#2e8b57}
.warn{background:#fff4f0;border:1px solid #e8b4a8;border-radius:6px;padding:.2em 1em;
margin-top:1em}
.note{background:#f3f3f3;border-radius:6px;padding:.6em 1em;color:#444}
ul.compact li{margin:.15em 0}.sources{font-size:.85em;color:#555}
img{max-width:100%;height:auto;display:block;margin:.4em 0}
svg.chart{width:100%;height:auto;display:block;margin:.4em 0}
footer{color:#777;font-size:.85em;margin-top:2em}
@page{size:A4;margin:14mm 12mm}
@media print{
body{background:#fff;max-width:none;padding:0;font-size:10pt}
h2{break-after:avoid}h3{break-after:avoid}
.card,.figure,.warn,table.facts,tr,img,svg{break-inside:avoid}
.advice{break-before:page}
details>summary{display:none}details{display:block}
}
"""
