"""Messages in Ukrainian (default) and English, looked up per call: nothing process-global is switched."""

from __future__ import annotations

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"
# The cookie that remembers the language a browser last showed the consumer cabinet in (web/page_shell.py sets it
# from the page, the ASGI page rewrite and ui/public_session.language() read it): not a secret, 1 year.
LANGUAGE_COOKIE = "teplo_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "account.empty": {
        "uk": "Введіть номер особового рахунку.",
        "en": "Enter the personal account number.",
    },
    "account.format": {
        "uk": "Номер особового рахунку — це 13 цифр, наприклад 1120200001000.",
        "en": "A personal account number is 13 digits, for example 1120200001000.",
    },
    "amount.empty": {
        "uk": "Введіть суму.",
        "en": "Enter the amount.",
    },
    "amount.format": {
        "uk": "Суму введіть цифрами, копійки — через кому: наприклад 1866,66.",
        "en": "Enter the amount in digits with kopecks after a point, for example 1866.66.",
    },
    "amount.precision": {
        "uk": "Сума може мати не більше двох знаків після коми.",
        "en": "An amount has at most two digits after the decimal separator.",
    },
    "amount.positive": {
        "uk": "Сума має бути більшою за нуль.",
        "en": "The amount must be greater than zero.",
    },
    "amount.too_large": {
        "uk": "Сума завелика: не більше {maximum}.",
        "en": "The amount is too large: at most {maximum}.",
    },
    "reading.empty": {
        "uk": "Введіть показання лічильника.",
        "en": "Enter the meter reading.",
    },
    "reading.format": {
        "uk": "Показання введіть цифрами, дробову частину — через кому: наприклад 123,456.",
        "en": "Enter the reading in digits, the fraction after a point, for example 123.456.",
    },
    "reading.precision": {
        "uk": "Показання може мати не більше трьох знаків після коми.",
        "en": "A reading has at most three digits after the decimal separator.",
    },
    "reading.negative": {
        "uk": "Показання не може бути від'ємним.",
        "en": "A reading cannot be negative.",
    },
    "reading.too_large": {
        "uk": "Показання завелике для лічильника.",
        "en": "The reading is too large for a meter.",
    },
    "reading.below_previous": {
        "uk": "Показання {value} менше за попереднє прийняте ({previous}). Перевірте цифри на лічильнику.",
        "en": "The reading {value} is below the previous accepted one ({previous}). Check the digits on the meter.",
    },
    "reading.window_closed": {
        "uk": "Зараз показання не приймаються. Наступний період подачі: {opens} — {closes}.",
        "en": "Readings are not accepted now. The next submission period: {opens} — {closes}.",
    },
    "reading.no_window": {
        "uk": "Зараз показання не приймаються: період подачі ще не призначено.",
        "en": "Readings are not accepted now: no submission period has been scheduled.",
    },
    "reading.confirm_jump": {
        "uk": "Споживання {consumption} м³ значно більше за звичайне. Перевірте цифри; якщо все правильно — підтвердіть, і показання перевірить працівник.",
        "en": "A consumption of {consumption} m³ is far above the usual. Check the digits; if it is right, confirm and staff will review it.",
    },
    "reading.confirm_replace": {
        "uk": "У цьому періоді ви вже подали показання {previous}. Нове показання замінить його.",
        "en": "You have already submitted {previous} in this period. The new reading will replace it.",
    },
    "reading.meter_unknown": {
        "uk": "Лічильник не знайдено серед ваших рахунків.",
        "en": "The meter is not among your accounts.",
    },
    "registration.failed": {
        "uk": "Не вдалося підтвердити особовий рахунок. Перевірте номер рахунку і суму (або номер лічильника) та спробуйте ще раз.",
        "en": "The account could not be verified. Check the account number and the amount (or the meter number) and try again.",
    },
    "registration.meter_not_allowed": {
        "uk": "За цим рахунком уже були платежі, тому реєстрація за номером лічильника недоступна. Вкажіть суму останнього платежу за опалення або за гарячу воду.",
        "en": "This account already has payments, so registration by meter number is not available. Enter the amount of the last heating or hot-water payment.",
    },
    "registration.locked": {
        "uk": "Забагато невдалих спроб. Спробуйте знову через {minutes} хв.",
        "en": "Too many failed attempts. Try again in {minutes} min.",
    },
    "registration.already_linked": {
        "uk": "Цей рахунок уже додано до вашого кабінету.",
        "en": "This account is already in your cabinet.",
    },
    "login.empty": {
        "uk": "Введіть телефон або e-mail.",
        "en": "Enter a phone number or e-mail.",
    },
    "login.format": {
        "uk": "Логін — це номер телефону (+380…) або адреса e-mail.",
        "en": "The login is a phone number (+380…) or an e-mail address.",
    },
    "login.taken": {
        "uk": "Цей телефон або e-mail уже зареєстровано. Увійдіть або відновіть пароль.",
        "en": "This phone or e-mail is already registered. Log in instead.",
    },
    "login.failed": {
        "uk": "Невірний логін або пароль.",
        "en": "Wrong login or password.",
    },
    "password.too_short": {
        "uk": "Пароль має містити щонайменше {minimum} символів.",
        "en": "The password must be at least {minimum} characters long.",
    },
    "password.too_long": {
        "uk": "Пароль задовгий: не більше {maximum} символів.",
        "en": "The password is too long: at most {maximum} characters.",
    },
    "password.common": {
        "uk": "Цей пароль надто поширений і легко вгадується. Оберіть інший.",
        "en": "This password is too common and easy to guess. Choose another one.",
    },
    "password.mismatch": {
        "uk": "Паролі не збігаються.",
        "en": "The passwords do not match.",
    },
    "password.wrong_current": {
        "uk": "Поточний пароль невірний.",
        "en": "The current password is wrong.",
    },
    "access.denied": {
        "uk": "Немає доступу до цього рахунку.",
        "en": "You have no access to this account.",
    },
    "service.unknown": {
        "uk": "Невідома послуга.",
        "en": "Unknown service.",
    },
    "service.not_on_account": {
        "uk": "Ця послуга не надається за цим рахунком.",
        "en": "This service is not provided on this account.",
    },
    "payment.unavailable": {
        "uk": "Оплата через кабінет зараз недоступна. Сплатіть у банку за квитанцією.",
        "en": "Paying through the cabinet is not available now. Pay at a bank with your bill.",
    },
    "payment.unknown_order": {
        "uk": "Платіж не знайдено.",
        "en": "Payment not found.",
    },
    "payment.status_paid": {
        "uk": "Цей платіж уже сплачено.",
        "en": "This payment has already been paid.",
    },
    "payment.status_failed": {
        "uk": "Цей платіж не вдався. Створіть новий на сторінці «Оплата».",
        "en": "This payment failed. Start a new one on the Pay page.",
    },
    "payment.status_expired": {
        "uk": "Час на оплату цього платежу минув. Створіть новий на сторінці «Оплата».",
        "en": "The time to pay this payment has run out. Start a new one on the Pay page.",
    },
    "staff.login_failed": {
        "uk": "Невірне ім'я користувача або пароль.",
        "en": "Wrong username or password.",
    },
    "staff.username_taken": {
        "uk": "Користувач з таким ім'ям уже існує.",
        "en": "A user with this name already exists.",
    },
    "staff.username_format": {
        "uk": "Ім'я користувача: 3–60 латинських літер, цифр, крапок, дефісів чи підкреслень.",
        "en": "Username: 3–60 Latin letters, digits, dots, dashes or underscores.",
    },
    "staff.role_unknown": {
        "uk": "Невідома роль.",
        "en": "Unknown role.",
    },
    "window.dates": {
        "uk": "Період подачі має закінчуватися пізніше, ніж починається.",
        "en": "A submission period must end after it starts.",
    },
    "window.exists": {
        "uk": "Період подачі для цього місяця вже існує.",
        "en": "A submission period for this month already exists.",
    },
    "window.not_closed": {
        "uk": "Період подачі ще не закрито.",
        "en": "The submission period is not closed yet.",
    },
    "window.unknown": {
        "uk": "Період подачі не знайдено.",
        "en": "Submission period not found.",
    },
    "window.already_processed": {
        "uk": "Цей період уже оброблено.",
        "en": "This period has already been processed.",
    },
    "import.empty": {"uk": "Файл порожній.", "en": "The file is empty."},
    "import.encoding": {
        "uk": "Не вдалося прочитати файл: очікується текст CSV у кодуванні UTF-8 або Windows-1251.",
        "en": "The file cannot be read: a CSV text in UTF-8 or Windows-1251 is expected.",
    },
    "import.too_large": {"uk": "Файл завеликий (понад 50 МБ).", "en": "The file is too large (over 50 MB)."},
    "import.kind_unknown": {"uk": "Невідомий тип імпорту.", "en": "Unknown import kind."},
    "import.malformed": {
        "uk": "Файл пошкоджено біля рядка {line} (незакрита лапка?).",
        "en": "The file is malformed near line {line} (an unclosed quote?).",
    },
    "import.columns": {
        "uk": "У заголовку бракує стовпців: {columns}. Очікуються: {expected}.",
        "en": "The header lacks the columns: {columns}. Expected: {expected}.",
    },
    "import.field_count": {
        "uk": "Очікувалося полів: {expected}, у рядку: {found} (рядок обрізано?).",
        "en": "Expected {expected} fields, found {found} (a truncated row?).",
    },
    "import.account_format": {
        "uk": "Номер рахунку «{value}» — не 13 цифр.",
        "en": "Account number “{value}” is not 13 digits.",
    },
    "import.account_unknown": {"uk": "Рахунок {value} не знайдено.", "en": "Account {value} not found."},
    "import.service_unknown": {
        "uk": "Невідома послуга «{value}» (очікується heating або hot_water).",
        "en": "Unknown service “{value}” (heating or hot_water expected).",
    },
    "import.amount_format": {"uk": "Сума «{value}» — не число.", "en": "Amount “{value}” is not a number."},
    "import.amount_positive": {
        "uk": "Сума {value} має бути більшою за нуль.",
        "en": "Amount {value} must be greater than zero.",
    },
    "import.date_format": {
        "uk": "Дата «{value}» не розпізнана (РРРР-ММ-ДД ГГ:ХХ або ДД.ММ.РРРР ГГ:ХХ).",
        "en": "Date “{value}” not recognised (YYYY-MM-DD HH:MM or DD.MM.YYYY HH:MM).",
    },
    "import.month_format": {
        "uk": "Місяць «{value}» не розпізнано (РРРР-ММ).",
        "en": "Month “{value}” not recognised (YYYY-MM).",
    },
    "import.ref_missing": {"uk": "Немає номера запису (ref).", "en": "The record reference is missing."},
    "import.too_long": {
        "uk": "Значення «{value}» у стовпці {column} довше за {limit} символів.",
        "en": "Value “{value}” in column {column} is longer than {limit} characters.",
    },
    "import.number_too_large": {
        "uk": "Значення «{value}» у стовпці {column} завелике.",
        "en": "Value “{value}” in column {column} is too large.",
    },
    "import.channel_unknown": {"uk": "Невідомий канал оплати «{value}».", "en": "Unknown payment channel “{value}”."},
    "import.number_format": {
        "uk": "Значення «{value}» у стовпці {column} — не число.",
        "en": "Value “{value}” in column {column} is not a number.",
    },
    "import.negative": {
        "uk": "Від'ємне значення {value} у стовпці {column}.",
        "en": "Negative value {value} in column {column}.",
    },
    "import.discount_range": {"uk": "Знижка {value} % поза межами 0–100.", "en": "Discount {value} % is outside 0–100."},
    "import.meter_unknown": {"uk": "Лічильник {value} не знайдено.", "en": "Meter {value} not found."},
    "import.meter_account_mismatch": {
        "uk": "Лічильник {meter} не належить рахунку {value}.",
        "en": "Meter {meter} does not belong to account {value}.",
    },
    "import.future_date": {"uk": "Дата {value} ще не настала.", "en": "Date {value} is in the future."},
    "import.outside_window": {
        "uk": "Дата {value} не потрапляє в жоден період подачі показань.",
        "en": "Date {value} falls in no reading window.",
    },
    "staff.role_denied": {
        "uk": "Ця сторінка недоступна для вашої ролі.",
        "en": "This page is not available to your role.",
    },
    "explore.choice": {"uk": "Недопустимий вибір: {value}.", "en": "Not an allowed choice: {value}."},
    "lookup.not_found": {"uk": "Рахунок не знайдено.", "en": "Account not found."},
    "service.heating": {"uk": "Опалення", "en": "Heating"},
    "service.hot_water": {"uk": "Гаряча вода", "en": "Hot water"},
    # --- the register import: accounts, meters, tariffs and norms (core.register_import) ---
    "register.unterminated": {
        "uk": "Останній рядок без переносу рядка: файл, можливо, обрізано. Якщо рядок повний, додайте в кінці "
              "файлу порожній рядок і завантажте знову.",
        "en": "The last row has no line break: the file may be cut short. If the row is complete, end the file "
              "with a line break and upload it again.",
    },
    "register.missing": {"uk": "Порожній стовпець {column}.", "en": "Column {column} is empty."},
    "register.flag": {
        "uk": "У стовпці {column} «{value}»: очікується 1 або 0 (так/ні).",
        "en": "Column {column} holds “{value}”: 1 or 0 (yes/no) expected.",
    },
    "register.residents": {
        "uk": "Кількість мешканців «{value}» — не ціле число від 0 до {maximum}.",
        "en": "Residents “{value}” is not a whole number from 0 to {maximum}.",
    },
    "register.status": {
        "uk": "Стан «{value}» не розпізнано (open/closed, відкритий/закритий).",
        "en": "Status “{value}” not recognised (open/closed).",
    },
    "register.status_conflict": {
        "uk": "Рахунок позначено відкритим, але вказано дату закриття {value}.",
        "en": "The account is marked open but has a closing date {value}.",
    },
    "register.day_format": {
        "uk": "Дата «{value}» у стовпці {column} не розпізнана (РРРР-ММ-ДД або ДД.ММ.РРРР).",
        "en": "Date “{value}” in column {column} not recognised (YYYY-MM-DD or DD.MM.YYYY).",
    },
    "register.day_too_early": {
        "uk": "Дата «{value}» у стовпці {column} раніша за 1990 рік.",
        "en": "Date “{value}” in column {column} is before 1990.",
    },
    "register.repeated": {
        "uk": "{value} уже є у рядку {first} цього файлу з іншими даними.",
        "en": "{value} is already in line {first} of this file with different data.",
    },
    "register.removed_before_installed": {
        "uk": "Дата зняття {value} раніша за дату встановлення.",
        "en": "Removal date {value} is before the installation date.",
    },
    "register.account_closed": {
        "uk": "Рахунок {value} закрито: лічильник на ньому не встановити.",
        "en": "Account {value} is closed: no meter can be installed on it.",
    },
    "register.meter_other_account": {
        "uk": "Лічильник {meter} належить рахунку {value}; лічильник не переносять між рахунками.",
        "en": "Meter {meter} belongs to account {value}; a meter does not move between accounts.",
    },
    "register.meter_service": {
        "uk": "Лічильник {meter} обліковує послугу {value}; послугу лічильника не змінюють.",
        "en": "Meter {meter} measures {value}; a meter's service does not change.",
    },
    "register.meter_installation_fixed": {
        "uk": "Лічильник {meter} уже має показання: дату та показання встановлення не змінюють.",
        "en": "Meter {meter} already has readings: its installation date and reading cannot change.",
    },
    "register.meter_read_after_removal": {
        "uk": "Лічильник {meter} має показання після дати зняття {value}.",
        "en": "Meter {meter} has readings after its removal date {value}.",
    },
    "register.tariff_empty": {
        "uk": "Вкажіть тариф, норму або обидва.",
        "en": "Give a tariff, a norm or both.",
    },
    "register.tariff_zero": {"uk": "Тариф {value} має бути більшим за нуль.", "en": "Tariff {value} must be above zero."},
    "register.norm_hot_water_only": {
        "uk": "Норма на мешканця буває лише для гарячої води.",
        "en": "A norm per resident exists for hot water only.",
    },
    "register.concurrent": {
        "uk": "Ці записи саме змінює інший імпорт. Спробуйте ще раз за хвилину: повторний імпорт нічого не подвоїть.",
        "en": "Another import is changing these records right now. Try again in a minute: importing again "
              "doubles nothing.",
    },
    # --- imports you can trust: truncation, trailer, dates, digits, to pay, conflicts ---
    "digits.non_ascii": {
        "uk": "Використовуйте звичайні цифри 0–9: тут є цифри іншого письма (наприклад ٣ чи ３).",
        "en": "Use the ordinary digits 0–9: this contains digits of another script (such as ٣ or ３).",
    },
    "import.truncated": {
        "uk": "Рядок {line} — останній, і після нього немає кінця рядка: файл, схоже, обрізано посеред рядка, "
              "тож його значення можуть бути неповними. Попросіть у відправника повний файл; якщо файл повний, "
              "додайте в кінці порожній рядок і завантажте його ще раз.",
        "en": "Line {line} is the last one and has no line end: the file looks cut inside this row, so its values "
              "may be incomplete. Ask the sender for the complete file; if the file is complete, add a line break "
              "at its end and upload it again.",
    },
    "import.trailer_format": {
        "uk": "Контрольний рядок {line} не розпізнано: очікується «TOTAL;кількість рядків;сума».",
        "en": "The control line {line} is not recognised: “TOTAL;row count;total” is expected.",
    },
    "import.trailer_mismatch": {
        "uk": "Контрольний рядок {line} не збігається з файлом: у ньому {rows} рядків на суму {total}, у файлі — "
              "{file_rows} рядків на суму {file_total}. Файл неповний або пошкоджений: попросіть у відправника "
              "повний файл. Нічого не імпортовано.",
        "en": "The control line {line} does not match the file: it says {rows} rows totalling {total}, the file "
              "has {file_rows} rows totalling {file_total}. The file is incomplete or damaged: ask the sender for "
              "the complete file. Nothing was imported.",
    },
    "import.date_range": {
        "uk": "Дата «{value}» поза допустимими межами (від 2000 року до завтра).",
        "en": "Date “{value}” is outside the accepted range (from 2000 to tomorrow).",
    },
    "import.to_pay_mismatch": {
        "uk": "До сплати {value} не відповідає нарахуванню {amount} зі знижкою {percent} %: має бути {expected}.",
        "en": "To pay {value} does not match the charge {amount} with a {percent} % discount: {expected} expected.",
    },
    "import.discount_amount_mismatch": {
        "uk": "Сума знижки {value} не відповідає нарахуванню і відсотку знижки: має бути {expected}.",
        "en": "Discount amount {value} does not match the charge and the discount percent: {expected} expected.",
    },
    "import.key_repeated": {
        "uk": "Запис {key} уже є в рядку {first} цього файлу з іншими значеннями.",
        "en": "Record {key} already appears on line {first} of this file with different values.",
    },
    "conflict.not_found": {"uk": "Конфлікт не знайдено.", "en": "Conflict not found."},
    "conflict.not_open": {
        "uk": "Цей конфлікт уже розв'язано або відхилено (можливо, іншим працівником). Оновіть сторінку.",
        "en": "This conflict has already been resolved or dismissed (perhaps by someone else). Refresh the page.",
    },
    "conflict.no_payment": {
        "uk": "Цей рядок реєстру підтвердив оплату через кабінет, зараховану платіжним сервісом: виправте її "
              "разом із сервісом, а конфлікт відхиліть із поясненням.",
        "en": "This registry row confirmed a cabinet payment credited by the payment provider: settle it with the "
              "provider and dismiss the conflict with a note.",
    },
    "conflict.note_required": {
        "uk": "Поясніть, чому файл помиляється, а збережений запис правильний.",
        "en": "Explain why the file is wrong and the stored record is right.",
    },
    # Money: reversed payments
    "payment.status_reversed": {
        "uk": "Цей платіж повернуто платіжним сервісом. Створіть новий на сторінці «Оплата».",
        "en": "This payment was reversed by the payment service. Start a new one on the Pay page.",
    },
    # Login sessions: the answers of the logout route to a request that may not sign anyone out.
    "session.logout_by_link": {
        "uk": "Щоб вийти, натисніть «Вийти» в застосунку.",
        "en": "To sign out, press “Вийти” (Log out) in the app.",
    },
    "session.logout_refused": {
        "uk": "Вихід не виконано: запит надійшов не зі сторінки застосунку.",
        "en": "Not signed out: the request did not come from the app's own page.",
    },
    # Readings ordered by date, corrections, recalculation (DESIGN rules 10, 11).
    "reading.above_next": {
        "uk": "Показання {value} більше за наступне прийняте ({next}), зняте пізніше. Перевірте цифри і дату.",
        "en": "The reading {value} is above the next accepted one ({next}), taken later. Check the digits and the date.",
    },
    "reading.unknown": {"uk": "Показання не знайдено.", "en": "Reading not found."},
    "reading.correct_not_standing": {
        "uk": "Виправити можна лише чинне показання періоду подачі.",
        "en": "Only the standing reading of a submission period can be corrected.",
    },
    "reading.correction_reason": {
        "uk": "Вкажіть причину виправлення.",
        "en": "Give the reason for the correction.",
    },
    "quality.actual": {"uk": "фактичне", "en": "actual"},
    "quality.estimated": {"uk": "оцінка", "en": "estimated"},
    "quality.corrected": {"uk": "виправлене", "en": "corrected"},
    # Forgotten password
    "reset.failed": {
        "uk": "Не вдалося підтвердити рахунок і логін. Перевірте номер рахунку, суму (або номер лічильника) "
              "і логін та спробуйте ще раз.",
        "en": "The account and login could not be verified. Check the account number, the amount (or the meter "
              "number) and the login, and try again.",
    },
    # Monthly receipt
    "receipt.no_charges": {"uk": "За цей місяць нарахувань немає.", "en": "There are no charges for this month."},
    "receipt.title": {"uk": "Квитанція за {month}", "en": "Receipt for {month}"},
    "receipt.no_requisites": {
        "uk": "Реквізити для оплати не налаштовано: QR-код для оплати недоступний. Оплатіть у кабінеті.",
        "en": "The payment requisites are not configured, so there is no payment QR code. Pay in the cabinet.",
    },
    "receipt.recipient": {"uk": "Отримувач", "en": "Recipient"},
    "receipt.edrpou": {"uk": "Код ЄДРПОУ", "en": "EDRPOU code"},
    "receipt.account": {"uk": "Особовий рахунок", "en": "Personal account"},
    "receipt.address": {"uk": "Адреса", "en": "Address"},
    "receipt.col_service": {"uk": "Послуга", "en": "Service"},
    "receipt.col_charged": {"uk": "Нараховано", "en": "Charged"},
    "receipt.col_discount": {"uk": "Знижка", "en": "Discount"},
    "receipt.col_to_pay": {"uk": "До сплати", "en": "To pay"},
    "receipt.col_paid": {"uk": "Сплачено", "en": "Paid"},
    "receipt.col_balance": {"uk": "Борг / переплата", "en": "Debt / overpayment"},
    "receipt.debt": {"uk": "борг", "en": "debt"},
    "receipt.overpaid": {"uk": "переплата", "en": "overpaid"},
    "receipt.balance_note": {
        "uk": "Сплачено — платежі, що надійшли протягом місяця. Борг або переплата — на кінець місяця, "
              "з урахуванням попередніх місяців.",
        "en": "Paid: the payments received during the month. Debt or overpayment: at the end of the month, "
              "including the months before.",
    },
    "receipt.readings": {"uk": "Показання лічильників за місяць", "en": "The month's meter readings"},
    "receipt.no_readings": {"uk": "Показань за цей місяць немає.", "en": "No readings for this month."},
    "receipt.col_meter": {"uk": "Лічильник", "en": "Meter"},
    "receipt.col_date": {"uk": "Дата", "en": "Date"},
    "receipt.col_reading": {"uk": "Показання", "en": "Reading"},
    "receipt.col_consumption": {"uk": "Спожито", "en": "Consumption"},
    "receipt.estimated": {"uk": "розрахункове", "en": "estimated"},
    "receipt.nothing_due": {"uk": "Сплачувати за цей місяць нічого не потрібно.",
                            "en": "Nothing is due for this month."},
    "receipt.qr_title": {"uk": "Оплата за QR-кодом", "en": "Pay by QR code"},
    "receipt.qr_help": {
        "uk": "Відскануйте код у застосунку свого банку: отримувач, рахунок, сума і призначення заповняться самі. "
              "Переказ на рахунок підприємства — без комісії. Окремий код для кожної послуги.",
        "en": "Scan the code in your banking app: the recipient, account, amount and purpose are filled in. "
              "A transfer to the utility's account carries no commission. One code per service.",
    },
    "receipt.generated": {"uk": "Сформовано {at}", "en": "Generated {at}"},
    "receipt.unavailable": {
        "uk": "Квитанція зараз недоступна: на сервері не встановлено шрифт. Повідомте підприємство.",
        "en": "The receipt is not available now: the server lacks its font. Please tell the utility.",
    },
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """The message for key in lang (Ukrainian when lang or the key's translation is missing)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    if not params:
        return text
    # A figure (core.formatting.Shown) is written the way the message's language writes numbers.
    return text.format(**{name: value.localized(lang) if hasattr(value, "localized") else value
                          for name, value in params.items()})
