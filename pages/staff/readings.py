"""Readings per window: by channel, the cumulative curve inside a window, who has not submitted yet."""

import streamlit as st

from core import clock
from ui import staff_data, staff_view as view
from ui.staff_access import require_role

require_role("readings")
st.title("Показання лічильників гарячої води")

now = clock.now()
windows = [w for w in staff_data.reading_windows() if w.opens_at <= now]  # newest first
if not windows:
    st.info("Ще не було жодного періоду подачі показань.")
    st.stop()
periods = [w.period for w in reversed(windows)]

with st.container(horizontal=True):
    first, last = st.select_slider("Періоди", options=periods, value=(periods[max(0, len(periods) - 12)], periods[-1]),
                                   format_func=view.month_label)
    street = st.selectbox("Вулиця", [None, *staff_data.streets()], format_func=lambda s: s or "Усі вулиці")
filters = {"періоди": f"{first:%Y-%m}..{last:%Y-%m}", "вулиця": street or "усі"}

per_window = staff_data.readings_per_window(first, last, street)
labels = [view.month_label(w.period) for w in per_window]
fig = view.figure("Прийняті показання за періодами і каналами", "Період подачі", "Показань")
for channel, name in view.READING_CHANNEL_NAMES.items():
    fig.add_bar(x=labels, y=[w.by_channel.get(channel, 0) for w in per_window], name=name)
fig.update_layout(barmode="stack")
view.show(fig, key="per_window")

open_ids = {w.id for w in windows if w.is_open(now)}
closed = [w for w in per_window if w.window_id not in open_ids]
still_open = [w for w in per_window if w.window_id in open_ids]
fig = view.figure("Частка рахунків з лічильником, що подали показання", "Період подачі", "Подали, %", height=300)
fig.add_scatter(x=[view.month_label(w.period) for w in closed], y=[float(w.share or 0) for w in closed],
                mode="lines+markers", name="Закриті періоди")
if still_open:
    fig.add_scatter(x=[view.month_label(w.period) for w in still_open], y=[float(w.share or 0) for w in still_open],
                    mode="markers", marker={"size": 11, "symbol": "circle-open"}, name="Відкритий період (триває)")
fig.update_xaxes(categoryorder="array", categoryarray=labels)
fig.update_yaxes(range=[0, 100], ticksuffix=" %")
view.show(fig, key="share")

st.subheader("Подача всередині періоду")
chosen = st.selectbox("Період подачі", windows, format_func=lambda w: f"{view.month_label(w.period)}: "
                      f"{view.date(w.first_day)} — {view.date(w.last_day)}" + (" (відкритий)" if w.is_open(now) else ""))
curve = staff_data.submission_curve(chosen.id, street)
if not curve.days:
    st.info("Період ще не почався.")
else:
    days = [view.date(d.day)[:5] for d in curve.days]
    fig = view.figure(f"Накопичена кількість рахунків, що подали показання · {view.month_label(chosen.period)}",
                      "День", "Рахунків")
    fig.add_bar(x=days, y=[d.new for d in curve.days], name="Подали за день",
                marker_color=[view.COLORS[1] if d.last_days else view.COLORS[0] for d in curve.days])
    fig.add_scatter(x=days, y=[d.cumulative for d in curve.days], name="Накопичено", mode="lines+markers",
                    line={"color": view.COLORS[2], "width": 3})
    fig.add_hline(y=curve.metered, line_dash="dot", annotation_text=f"усі з лічильником: {view.number(curve.metered)}")
    view.show(fig, key="curve")
    last_day = curve.days[-1]
    st.caption(f"Помаранчеві стовпчики — останні три дні періоду, коли надходить більшість показань. "
               f"Подали: {view.number(last_day.cumulative)} з {view.number(curve.metered)} ({view.percent(last_day.share)}).")

if chosen.is_open(now):
    st.subheader("Ще не подали показання")
    total, missing = staff_data.accounts_without_reading(chosen.id, street, 200)
    st.write(f"Рахунків з лічильником без показань у цьому періоді: **{view.number(total)}** "
             f"(період триває до {view.date(chosen.last_day)} включно).")
    st.dataframe(
        [{"Рахунок": m.account_number, "Адреса": m.address, "Лічильник": m.meter_serial,
          "Останнє показання, м³": view.number(m.last_value, 3) if m.last_value is not None else "",
          "Подано": view.moment(m.last_submitted_at)} for m in missing],
        hide_index=True,
    )
    if total > len(missing):
        st.caption(f"Показано перші {len(missing)}; у файлі — усі {view.number(total)}.")
    _total, everyone = staff_data.accounts_without_reading(chosen.id, street, None)
    export_filters = {"період": f"{chosen.period:%Y-%m}", "вулиця": street or "усі"}
    st.download_button(
        "Завантажити список для нагадувань (CSV)",
        view.csv_bytes(["account_number", "address", "meter_serial", "last_value_m3", "last_submitted_at"],
                       [(m.account_number, m.address, m.meter_serial, m.last_value, m.last_submitted_at)
                        for m in everyone], export_filters),
        file_name=f"bez-pokazan{view.file_suffix(export_filters)}.csv", mime="text/csv", icon=":material/download:",
    )
st.caption("Фільтри: " + "; ".join(f"{k}: {v}" for k, v in filters.items()))
