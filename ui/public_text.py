"""Every sentence of the consumer cabinet in Ukrainian (default) and English, looked up per call.

Domain errors bring their own messages (DomainError.message(lang)); this module holds the screen texts.
"""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # Shell and navigation
    "app.title": {"uk": "Кабінет споживача", "en": "Consumer cabinet"},
    "app.company": {"uk": "Теплопостачання та гаряча вода", "en": "District heating and hot water"},
    "nav.login": {"uk": "Вхід", "en": "Log in"},
    "nav.register": {"uk": "Реєстрація", "en": "Register"},
    "nav.account": {"uk": "Мій рахунок", "en": "My account"},
    "nav.readings": {"uk": "Показання", "en": "Meter readings"},
    "nav.pay": {"uk": "Оплата", "en": "Pay"},
    "nav.profile": {"uk": "Профіль", "en": "Profile"},
    "nav.add_account": {"uk": "Додати рахунок", "en": "Add an account"},
    "lang.label": {"uk": "Мова", "en": "Language"},
    "switcher.label": {"uk": "Особовий рахунок", "en": "Personal account"},
    "logout": {"uk": "Вийти", "en": "Log out"},
    "logged_in_as": {"uk": "Ви увійшли як {login}", "en": "Logged in as {login}"},
    "please_login": {"uk": "Щоб відкрити цю сторінку, увійдіть до кабінету.",
                     "en": "Log in to open this page."},
    "redirecting": {"uk": "Зачекайте, зберігаємо вхід…", "en": "One moment, keeping you logged in…"},
    "redirect.link": {"uk": "Продовжити", "en": "Continue"},
    # Log in
    "login.title": {"uk": "Вхід до кабінету", "en": "Log in to the cabinet"},
    "login.login": {"uk": "Телефон або e-mail", "en": "Phone or e-mail"},
    "login.login_help": {"uk": "Наприклад +380671234567 або name@example.com",
                         "en": "For example +380671234567 or name@example.com"},
    "login.password": {"uk": "Пароль", "en": "Password"},
    "login.submit": {"uk": "Увійти", "en": "Log in"},
    "login.no_account": {"uk": "Ще не зареєстровані?", "en": "Not registered yet?"},
    "login.to_register": {"uk": "Зареєструватися", "en": "Register"},
    # Registration and adding an account
    "register.title": {"uk": "Реєстрація", "en": "Registration"},
    "register.intro": {
        "uk": "Для реєстрації потрібні номер особового рахунку та сума останнього платежу.",
        "en": "To register you need the personal account number and the amount of your last payment.",
    },
    "register.help_title": {"uk": "Де знайти номер рахунку і суму платежу?",
                            "en": "Where do I find the account number and the payment?"},
    "register.help": {
        "uk": (
            "**Номер особового рахунку** (13 цифр) надруковано **в кінці квитанції** за комунальні послуги — "
            "на квитанціях, оплачених після 14 лютого 2020 року.\n\n"
            "**Сума останнього платежу** — з тієї самої квитанції: це сума, сплачена **за опалення**, **або** "
            "сума, сплачена **за гарячу воду**. Вкажіть одну з них — **додавати платежі не потрібно**.\n\n"
            "Приклад (дані не справжні): вул. Гулака-Артемовського, 20, кв. 1 — рахунок 1120200001000; "
            "нараховано 2222,22 ₴, знижка 16 %, сплачено 1866,66 ₴.\n\n"
            "**Номер лічильника** підходить лише новим споживачам, які ще не зробили жодного платежу."
        ),
        "en": (
            "The **personal account number** (13 digits) is printed **at the end of the utility receipt** — "
            "on receipts paid after 14 February 2020.\n\n"
            "The **amount of the last payment** is on the same receipt: the amount paid **for heating** **or** "
            "the amount paid **for hot water**. Enter one of them — **do not add the payments up**.\n\n"
            "Example (not real data): 20 Hulaka-Artemovskoho St., flat 1 — account 1120200001000; "
            "charged 2222.22 ₴, discount 16 %, paid 1866.66 ₴.\n\n"
            "The **meter number** can be used only by new consumers who have not made any payment yet."
        ),
    },
    "register.method": {"uk": "Як підтвердити рахунок", "en": "How to prove the account"},
    "register.by_payment": {"uk": "Сума останнього платежу", "en": "Last payment amount"},
    "register.by_meter": {"uk": "Номер лічильника (ще не було платежів)", "en": "Meter number (no payments yet)"},
    "register.account": {"uk": "Номер особового рахунку", "en": "Personal account number"},
    "register.account_help": {"uk": "13 цифр з кінця квитанції, наприклад 1120200001000",
                              "en": "13 digits from the end of the receipt, e.g. 1120200001000"},
    "register.amount": {"uk": "Сума останнього платежу, ₴", "en": "Last payment amount, ₴"},
    "register.amount_help": {"uk": "За опалення АБО за гарячу воду, не сума обох. Наприклад 1866,66",
                             "en": "For heating OR for hot water, not both added. E.g. 1866.66"},
    "register.meter": {"uk": "Номер лічильника гарячої води", "en": "Hot-water meter number"},
    "register.meter_help": {"uk": "Заводський номер на корпусі лічильника",
                            "en": "The serial number on the meter's body"},
    "register.login": {"uk": "Логін: телефон або e-mail", "en": "Login: phone or e-mail"},
    "register.password": {"uk": "Пароль (щонайменше 8 символів)", "en": "Password (at least 8 characters)"},
    "register.password2": {"uk": "Пароль ще раз", "en": "Password again"},
    "register.submit": {"uk": "Зареєструватися", "en": "Register"},
    "register.have_login": {"uk": "Вже маєте кабінет?", "en": "Already registered?"},
    "register.to_login": {"uk": "Увійти", "en": "Log in"},
    "add.title": {"uk": "Додати рахунок", "en": "Add an account"},
    "add.intro": {
        "uk": "Ще одна квартира? Додайте її особовий рахунок до свого кабінету — підтвердження таке саме, як при реєстрації.",
        "en": "Another flat? Add its personal account to your cabinet — the proof is the same as at registration.",
    },
    "add.submit": {"uk": "Додати рахунок", "en": "Add the account"},
    "add.done": {"uk": "Рахунок {number} додано.", "en": "Account {number} added."},
    "welcome.registered": {"uk": "Реєстрацію завершено. Вітаємо у кабінеті!",
                           "en": "Registration complete. Welcome to your cabinet!"},
    # My account
    "account.title": {"uk": "Мій рахунок", "en": "My account"},
    "account.number": {"uk": "Особовий рахунок {number}", "en": "Personal account {number}"},
    "account.debt": {"uk": "Борг", "en": "Debt"},
    "account.overpaid": {"uk": "Переплата", "en": "Overpayment"},
    "account.settled": {"uk": "Заборгованості немає", "en": "Nothing owed"},
    "account.latest_charge": {"uk": "Нараховано за {month}", "en": "Charged for {month}"},
    "account.discount_line": {"uk": "{amount} − знижка {percent} = **{to_pay}**",
                              "en": "{amount} − discount {percent} = **{to_pay}**"},
    "account.no_charges": {"uk": "Нарахувань ще немає.", "en": "No charges yet."},
    "account.last_payment": {"uk": "Останній платіж: {amount}, {date}", "en": "Last payment: {amount}, {date}"},
    "account.no_payments": {"uk": "Платежів ще не було.", "en": "No payments yet."},
    "account.pending": {"uk": "Очікує зарахування: {amount} ({service}), {date}",
                        "en": "Awaiting credit: {amount} ({service}), {date}"},
    "account.pay": {"uk": "Оплатити", "en": "Pay"},
    "account.chart_title": {"uk": "Нараховано і сплачено по місяцях", "en": "Charged and paid by month"},
    "account.chart_range": {"uk": "Період", "en": "Period"},
    "account.range_24": {"uk": "2 роки", "en": "2 years"},
    "account.range_all": {"uk": "Усі роки", "en": "All years"},
    "account.charged": {"uk": "Нараховано", "en": "Charged"},
    "account.paid": {"uk": "Сплачено", "en": "Paid"},
    "account.no_history": {"uk": "Нарахувань і платежів за цей період ще немає.",
                           "en": "No charges or payments in this period yet."},
    "account.history": {"uk": "Історія", "en": "History"},
    "account.tab_charges": {"uk": "Нарахування", "en": "Charges"},
    "account.tab_payments": {"uk": "Платежі", "en": "Payments"},
    "account.year": {"uk": "Рік", "en": "Year"},
    "account.col_month": {"uk": "Місяць", "en": "Month"},
    "account.col_service": {"uk": "Послуга", "en": "Service"},
    "account.col_volume": {"uk": "Обсяг", "en": "Volume"},
    "account.col_amount": {"uk": "Нараховано", "en": "Charged"},
    "account.col_discount": {"uk": "Знижка", "en": "Discount"},
    "account.col_to_pay": {"uk": "До сплати", "en": "To pay"},
    "account.col_date": {"uk": "Дата", "en": "Date"},
    "account.col_paid": {"uk": "Сума", "en": "Amount"},
    "account.col_channel": {"uk": "Спосіб", "en": "Channel"},
    "account.subsidy_note": {
        "uk": "Знижка показана лише там, де вона є в нарахуванні. З 2019 року більшість субсидій виплачують "
              "домогосподарству напряму, тому в рахунках їх немає.",
        "en": "A discount is shown only where the charge has one. Since 2019 most subsidies are paid to the "
              "household directly, so they no longer appear on bills.",
    },
    "channel.bank": {"uk": "Банк", "en": "Bank"},
    "channel.cabinet": {"uk": "Кабінет", "en": "Cabinet"},
    "channel.post": {"uk": "Пошта", "en": "Post office"},
    "channel.cash": {"uk": "Каса", "en": "Cash desk"},
    "channel.terminal": {"uk": "Термінал", "en": "Terminal"},
    # Readings
    "readings.title": {"uk": "Показання лічильників", "en": "Meter readings"},
    "readings.open": {"uk": "Показання приймаються: **{opens} — {closes}** (за {month}).",
                      "en": "Readings are accepted: **{opens} — {closes}** (for {month})."},
    "readings.countdown": {"uk": "До закриття: {days} дн. {hours} год.", "en": "Closes in: {days} d {hours} h"},
    "readings.countdown_hours": {"uk": "До закриття: {hours} год. {minutes} хв.",
                                 "en": "Closes in: {hours} h {minutes} min"},
    "readings.advice": {
        "uk": "Порада: подавайте показання в останні дні періоду ({from_day} — {to_day}). Так показання "
              "найточніше відповідає місяцю, і вам не нарахують автоматичного донарахування.",
        "en": "Tip: submit in the last days of the period ({from_day} — {to_day}). The reading then matches "
              "the month best, and no automatic additional charge is made.",
    },
    "readings.closed": {"uk": "Зараз показання не приймаються. Наступний період подачі: **{opens} — {closes}**.",
                        "en": "Readings are not accepted now. The next submission period: **{opens} — {closes}**."},
    "readings.none_scheduled": {"uk": "Зараз показання не приймаються: наступний період ще не призначено.",
                                "en": "Readings are not accepted now: the next period is not scheduled yet."},
    "readings.no_meters": {"uk": "За цим рахунком немає лічильників гарячої води.",
                           "en": "This account has no hot-water meters."},
    "readings.meter": {"uk": "Лічильник № {serial}", "en": "Meter No. {serial}"},
    "readings.last": {"uk": "Останнє прийняте показання: **{value}** ({date})",
                      "en": "Last accepted reading: **{value}** ({date})"},
    "readings.never": {"uk": "Прийнятих показань ще немає.", "en": "No accepted readings yet."},
    "readings.already": {"uk": "У цьому періоді ви вже подали {value}. Нове показання замінить його.",
                         "en": "You already submitted {value} in this period. A new reading will replace it."},
    "readings.input": {"uk": "Нове показання, м³", "en": "New reading, m³"},
    "readings.input_help": {"uk": "Цифри з лічильника; дробову частину — через кому, наприклад 123,456",
                            "en": "The digits on the meter; the fraction after a point, e.g. 123.456"},
    "readings.submit": {"uk": "Надіслати показання", "en": "Submit the reading"},
    "readings.confirm_value": {"uk": "Ви ввели {value}.", "en": "You entered {value}."},
    "readings.confirm": {"uk": "Так, підтверджую", "en": "Yes, confirm"},
    "readings.cancel": {"uk": "Скасувати", "en": "Cancel"},
    "readings.cancelled": {"uk": "Показання не надіслано.", "en": "The reading was not submitted."},
    "readings.receipt": {"uk": "Показання прийнято. Квитанція № **{number}**",
                         "en": "Reading accepted. Receipt No. **{number}**"},
    "readings.receipt_detail": {
        "uk": "Показання {value} (попереднє {previous}). Споживання: **{consumption}**.",
        "en": "Reading {value} (previous {previous}). Consumption: **{consumption}**.",
    },
    "readings.receipt_estimated": {
        "uk": "Раніше донараховано {estimated}, тож до оплати за цим показанням: {billed}.",
        "en": "{estimated} was charged earlier by estimate, so this reading bills {billed}.",
    },
    "readings.receipt_replaced": {"uk": "Попереднє показання {value} у цьому періоді замінено.",
                                  "en": "The earlier reading {value} in this period was replaced."},
    "readings.receipt_flagged": {"uk": "Показання передано працівнику на перевірку через велике споживання.",
                                 "en": "The reading was passed to staff for review because of the high consumption."},
    "readings.estimate": {
        "uk": "Якщо показання не надійде до {closes}, буде донараховано орієнтовно {volume} ({amount}).",
        "en": "If no reading arrives by {closes}, about {volume} ({amount}) will be charged by estimate.",
    },
    # Profile
    "profile.title": {"uk": "Профіль", "en": "Profile"},
    "profile.login": {"uk": "Логін: {login}", "en": "Login: {login}"},
    "profile.accounts": {"uk": "Рахунки в кабінеті", "en": "Accounts in the cabinet"},
    "profile.password": {"uk": "Змінити пароль", "en": "Change the password"},
    "profile.current": {"uk": "Поточний пароль", "en": "Current password"},
    "profile.new": {"uk": "Новий пароль (щонайменше 8 символів)", "en": "New password (at least 8 characters)"},
    "profile.new2": {"uk": "Новий пароль ще раз", "en": "New password again"},
    "profile.save_password": {"uk": "Змінити пароль", "en": "Change the password"},
    "profile.password_changed": {"uk": "Пароль змінено.", "en": "The password has been changed."},
    "profile.language": {"uk": "Мова кабінету", "en": "Cabinet language"},
    "profile.save_language": {"uk": "Зберегти мову", "en": "Save the language"},
    "profile.language_saved": {"uk": "Мову збережено.", "en": "The language has been saved."},
    # A closed account (the register import)
    "account.closed": {
        "uk": "Рахунок закрито {date}. Історію нарахувань, оплат і показань збережено; борг можна сплатити.",
        "en": "The account was closed on {date}. Its charges, payments and readings are kept; a debt can still be paid.",
    },
    "readings.account_closed": {
        "uk": "Рахунок закрито {date}: показання за ним більше не приймаються.",
        "en": "The account was closed on {date}: it takes no more meter readings.",
    },
    # Corrections of imported charges and payments (import conflicts resolved by staff)
    "account.col_note": {"uk": "Примітка", "en": "Note"},
    "correction.reversed": {"uk": "виправлено нижче", "en": "corrected below"},
    "correction.reversal": {"uk": "сторно (скасування)", "en": "reversal"},
    "correction.replacement": {"uk": "виправлений запис", "en": "corrected entry"},
    # Faults: what a visitor reads when the database or the code fails under a page (ui/faults.py).
    "fault.unavailable": {"uk": "Сервіс тимчасово недоступний, спробуйте за хвилину.",
                          "en": "The service is temporarily unavailable, please try again in a minute."},
    "fault.unexpected": {"uk": "Сталася помилка. Спробуйте ще раз; якщо вона повториться, зверніться до ДКП «Луцьктепло».",
                         "en": "Something went wrong. Please try again; if it happens again, contact the utility."},
    "not_found.title": {"uk": "Сторінку не знайдено", "en": "Page not found"},
    "not_found.body": {"uk": "Такої сторінки немає. Перевірте адресу або перейдіть на головну.",
                       "en": "There is no such page. Check the address or go to the home page."},
    "not_found.home": {"uk": "На головну", "en": "Home page"},
    # Streamlit's own words on the page (skip link, form hints, status, aria labels), which its frontend has only
    # in English: the page's script (web/page_shell.py) shows them in the page's language. Each "en" is
    # Streamlit's own text, by which the script finds it.
    "streamlit.skip": {"uk": "Перейти до основного вмісту", "en": "Skip to main content"},
    "streamlit.enter_submit": {"uk": "Натисніть Enter, щоб надіслати", "en": "Press Enter to submit form"},
    "streamlit.enter_apply": {"uk": "Натисніть Enter, щоб застосувати", "en": "Press Enter to apply"},
    "streamlit.show_password": {"uk": "Показати пароль", "en": "Show password"},
    "streamlit.hide_password": {"uk": "Сховати пароль", "en": "Hide password"},
    "streamlit.help": {"uk": "Довідка", "en": "Help"},
    "streamlit.help_for": {"uk": "Довідка: ", "en": "Help for "},
    "streamlit.close": {"uk": "Закрити", "en": "Close"},
    "streamlit.loading": {"uk": "Завантаження", "en": "Loading"},
    "streamlit.running": {"uk": "Зачекайте…", "en": "Running..."},
    "streamlit.please_wait": {"uk": "Зачекайте…", "en": "Please wait..."},
    "streamlit.stop": {"uk": "Зупинити", "en": "Stop"},
    "streamlit.stopping": {"uk": "Зупиняємо…", "en": "Stopping..."},
    "streamlit.connecting": {"uk": "З’єднання…", "en": "Connecting"},
    "streamlit.connecting_help": {"uk": "З’єднуємося із сервером", "en": "Connecting to Streamlit server"},
    "streamlit.disconnected": {"uk": "Немає з’єднання", "en": "Error"},
    "streamlit.disconnected_help": {"uk": "Не вдається з’єднатися із сервером",
                                    "en": "Unable to connect to Streamlit server"},
    "page.noscript": {"uk": "Щоб користуватися кабінетом, увімкніть JavaScript у налаштуваннях браузера.",
                      "en": "To use the cabinet, turn on JavaScript in the browser's settings."},
    # Money: reversed payments
    "account.reversal": {"uk": "Повернення коштів (сторно)", "en": "Payment reversed (refund)"},
    # Go-live: demo mode and production payments
    "demo.mode_banner": {
        "uk": "Демонстраційний режим: дані вигадані, гроші не списуються",
        "en": "Demo mode: the data is made up, no money is taken",
    },
    "pay.not_configured": {
        "uk": "Онлайн-оплату через кабінет не налаштовано. Сплатіть у банку, на пошті чи в терміналі за квитанцією.",
        "en": "Online payment through the cabinet is not configured. Pay at a bank, post office or terminal "
              "with your bill.",
    },
    # Recalculation of estimated hot water after a real reading (DESIGN rule 11).
    "account.recalculations": {"uk": "Перерахунок гарячої води", "en": "Hot-water recalculation"},
    "account.recalculation_credit": {
        "uk": "Показання за {month}: донараховано раніше {estimated}, фактично спожито {actual} — повернуто {volume} "
              "({amount}).",
        "en": "Reading for {month}: {estimated} charged earlier by estimate, {actual} actually used — {volume} "
              "({amount}) credited back.",
    },
    "account.recalculation_charge": {
        "uk": "Показання за {month}: донараховано раніше {estimated}, фактично спожито {actual} — доплата за {volume} "
              "({amount}).",
        "en": "Reading for {month}: {estimated} charged earlier by estimate, {actual} actually used — {volume} "
              "({amount}) more to pay.",
    },
    "account.recalculation_reversal": {
        "uk": "Показання за {month} виправлено: попередній перерахунок скасовано ({volume}, {amount}).",
        "en": "The reading for {month} was corrected: the earlier recalculation is cancelled ({volume}, {amount}).",
    },
    "readings.receipt_credited": {
        "uk": "Раніше донараховано {estimated}, а спожито {consumption}: {credited} буде повернуто (перерахунок).",
        "en": "{estimated} was charged earlier by estimate but {consumption} was used: {credited} will be credited "
              "back (recalculation).",
    },
    # Forgotten password
    "nav.reset": {"uk": "Відновлення пароля", "en": "Password reset"},
    "login.forgot": {"uk": "Забули пароль?", "en": "Forgot the password?"},
    "reset.title": {"uk": "Відновлення пароля", "en": "Reset the password"},
    "reset.intro": {
        "uk": "Підтвердіть один із рахунків вашого кабінету так само, як при реєстрації, вкажіть свій логін "
              "і новий пароль. Після зміни пароля кабінет закриється на всіх пристроях.",
        "en": "Prove one of your cabinet's accounts the same way as at registration, enter your login and a new "
              "password. Once it is changed, the cabinet is logged out on every device.",
    },
    "reset.login": {"uk": "Ваш логін: телефон або e-mail", "en": "Your login: phone or e-mail"},
    "reset.password": {"uk": "Новий пароль (щонайменше 8 символів)", "en": "New password (at least 8 characters)"},
    "reset.password2": {"uk": "Новий пароль ще раз", "en": "New password again"},
    "reset.submit": {"uk": "Змінити пароль", "en": "Change the password"},
    "reset.done": {"uk": "Пароль змінено. Увійдіть з новим паролем.",
                   "en": "The password has been changed. Log in with the new password."},
    "reset.to_login": {"uk": "Увійти", "en": "Log in"},
    # Monthly receipt
    "account.receipt": {"uk": "Квитанція", "en": "Receipt"},
    "account.receipt_month": {"uk": "Місяць", "en": "Month"},
    "account.receipt_download": {"uk": "Завантажити квитанцію (PDF)", "en": "Download the receipt (PDF)"},
    "account.receipt_help": {
        "uk": "З QR-кодом для оплати в застосунку будь-якого банку.",
        "en": "With a QR code to pay in any bank's app.",
    },
}

LANGUAGE_NAMES = {"uk": "Українська", "en": "English"}


def text(key: str, lang: str = "uk", /, **params: object) -> str:
    """The screen text for key in lang (Ukrainian when the English one is missing)."""
    entry = TEXT[key]
    value = entry.get(lang) or entry["uk"]
    return value.format(**params) if params else value


def text_or(key: str, lang: str, fallback: str) -> str:
    """The screen text for key if there is one (e.g. a payment channel), else the fallback as it is."""
    return text(key, lang) if key in TEXT else fallback
