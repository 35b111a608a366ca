"""Readings per window: by channel, the cumulative curve inside a window, who has not submitted yet."""

import datetime as dt

import streamlit as st

from core import clock
from ui import staff_data, staff_view as view
from ui.plain import md
from ui.staff_access import require_role

require_role("readings")
st.title("Показання лічильників гарячої води")

now = clock.now()
windows = [w for w in staff_data.reading_windows() if w.opens_at <= now]  # newest first
if not windows:
    st.info("Ще не було жодного періоду подачі показань.")
    st.stop()
periods = [w.period for w in reversed(windows[:36])]

with st.container(horizontal=True):
    first, last = periods[0], periods[-1]
    if len(periods) > 1:
        first, last = st.select_slider("Періоди", options=periods, value=(periods[max(0, len(periods) - 12)], last),
                                       format_func=view.month_label)
    street = st.selectbox("Вулиця", [None, *staff_data.streets()], format_func=lambda s: s or "Усі вулиці")
filters = {"періоди": f"{first:%Y-%m}..{last:%Y-%m}", "вулиця": street or "усі"}

per_window = staff_data.readings_per_window(first, last, street)
labels = [view.month_label(w.period) for w in per_window]
fig = view.figure("Прийняті показання за періодами і каналами", "Період подачі", "Показань")
for channel, name in view.READING_CHANNEL_NAMES.items():
    fig.add_bar(x=labels, y=[w.by_channel.get(channel, 0) for w in per_window], name=name)
fig.update_layout(barmode="stack")
for w in per_window:
    if any(o.id == w.window_id and o.is_open(now) for o in windows):
        fig.add_annotation(x=view.month_label(w.period), y=sum(w.by_channel.values()), text="триває",
                           showarrow=False, yshift=12)
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
previous = next((w for w in windows if w.period < chosen.period), None)
before = staff_data.submission_curve(previous.id, street) if previous else None
span = [chosen.first_day + dt.timedelta(days=i) for i in range((chosen.last_day - chosen.first_day).days + 1)]
labels_by_day = {day: view.date(day)[:5] for day in span}
fig = view.figure(f"Частка рахунків, що подали показання, день за днем · {view.month_label(chosen.period)}",
                  "День періоду", "Рахунків з лічильником, %")
fig.add_bar(x=[labels_by_day[d.day] for d in curve.days], y=[float(d.new_share or 0) for d in curve.days],
            name="Подали за день", marker_color=[view.COLORS[1] if d.last_days else view.COLORS[0] for d in curve.days])
fig.add_scatter(x=[labels_by_day[d.day] for d in curve.days], y=[float(d.share or 0) for d in curve.days],
                name="Накопичено", mode="lines+markers", line={"color": view.COLORS[2], "width": 3})
if before is not None and before.days:
    # The previous window aligned by days before the close, where the last-days peak sits.
    shifted = [(chosen.last_day - (before.window.last_day - d.day), d) for d in before.days]
    shifted = [(day, d) for day, d in shifted if day in labels_by_day]
    fig.add_scatter(x=[labels_by_day[day] for day, _ in shifted], y=[float(d.share or 0) for _, d in shifted],
                    name=f"Накопичено, {view.month_label(before.window.period)}", mode="lines",
                    line={"color": "#9aa5b1", "dash": "dash"})
fig.update_xaxes(categoryorder="array", categoryarray=list(labels_by_day.values()))
fig.update_yaxes(range=[0, 100], ticksuffix=" %")
view.show(fig, key="curve")
if curve.days:
    last_day = curve.days[-1]
    st.caption(f"Помаранчеві стовпчики — останні три дні періоду, коли надходить більшість показань. Подали на "
               f"{view.date(last_day.day)}: {view.number(last_day.cumulative)} з {view.number(curve.metered)} "
               f"({view.percent(last_day.share)}).")
else:
    st.info("Період ще не почався.")

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
    export_filters = {"період": f"{chosen.period:%Y-%m}", "вулиця": street or "усі"}
    st.download_button(
        "Завантажити список для нагадувань (CSV)", staff_data.missing_csv(chosen.id, street, export_filters),
        file_name=f"bez-pokazan{view.file_suffix(export_filters)}.csv", mime="text/csv", icon=":material/download:",
    )
st.caption("Фільтри: " + "; ".join(f"{k}: {md(v)}" for k, v in filters.items()))
