#include "preferencesdialog.h"

#include "displayformat.h"
#include "language.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QTimeZone>
#include <QVBoxLayout>

namespace portcullis {

namespace {

// Each language by its own name, so that someone who cannot read the current one still finds theirs.
QString nativeName(const QString& code)
{
    if (code == QLatin1String("de"))
        return QStringLiteral("Deutsch");
    if (code == QLatin1String("fr"))
        return QStringLiteral("Français");
    return QStringLiteral("English");
}

} // namespace

PreferencesDialog::PreferencesDialog(QWidget* parent)
    : QDialog(parent)
    , m_initial(language::saved())
{
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Preferences"));

    m_language = new QComboBox(this);
    m_language->setObjectName(QStringLiteral("languageCombo"));
    m_language->setAccessibleName(tr("Language"));
    const QString system = language::choose({}, {}, QLocale::system());
    m_language->addItem(tr("System default (%1)").arg(nativeName(system)), QString());
    for (const QString& code : language::available())
        m_language->addItem(nativeName(code), code);
    m_language->setCurrentIndex(std::max(0, m_language->findData(language::codeOf(m_initial))));

    m_note = new QLabel(this);
    m_note->setObjectName(QStringLiteral("languageNote"));
    m_note->setWordWrap(true);
    QString note = tr("The language also sets how dates, times and numbers are written. A new choice takes "
                      "effect the next time Portcullis starts.");
    if (const QString forced = language::commandLineOverride(); !forced.isEmpty())
        note += QLatin1Char('\n')
            + tr("This run uses %1 because of --lang, which overrides this setting.").arg(nativeName(forced));
    m_note->setText(note);

    m_dateStyle = new QComboBox(this);
    m_dateStyle->setObjectName(QStringLiteral("dateStyleCombo"));
    m_dateStyle->setAccessibleName(tr("Date format"));
    m_dateStyle->addItem(tr("As the language writes it"), int(display::DateStyle::Locale));
    m_dateStyle->addItem(tr("ISO 8601 (2026-12-04 22:00)"), int(display::DateStyle::Iso));
    m_dateStyle->setCurrentIndex(std::max(0, m_dateStyle->findData(int(display::dateStyle()))));
    m_timeZone = new QComboBox(this);
    m_timeZone->setObjectName(QStringLiteral("timeZoneCombo"));
    m_timeZone->setAccessibleName(tr("Time zone"));
    m_timeZone->addItem(tr("Local time (%1)").arg(QString::fromUtf8(QTimeZone::systemTimeZoneId())), false);
    m_timeZone->addItem(tr("UTC"), true);
    m_timeZone->setCurrentIndex(display::showsUtc() ? 1 : 0);
    m_sample = new QLabel(this);
    m_sample->setObjectName(QStringLiteral("dateSampleLabel"));
    m_sample->setTextFormat(Qt::PlainText);
    connect(m_dateStyle, &QComboBox::currentIndexChanged, this, &PreferencesDialog::updateSample);
    connect(m_timeZone, &QComboBox::currentIndexChanged, this, &PreferencesDialog::updateSample);
    updateSample();

    auto* form = new QFormLayout;
    form->addRow(tr("&Language:"), m_language);
    form->addRow(tr("&Dates:"), m_dateStyle);
    form->addRow(tr("&Time zone:"), m_timeZone);
    form->addRow(tr("Example:"), m_sample);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        save();
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_note);
    layout->addWidget(buttons);
}

QString PreferencesDialog::chosenLanguage() const
{
    return m_language->currentData().toString();
}

void PreferencesDialog::updateSample()
{
    // The sample as it would read, without changing the console yet.
    const display::DateStyle style = display::dateStyle();
    const bool utc = display::showsUtc();
    const QSignalBlocker block(display::Preferences::instance());
    display::setDateStyle(display::DateStyle(m_dateStyle->currentData().toInt()));
    display::setShowsUtc(m_timeZone->currentData().toBool());
    m_sample->setText(display::dateTime(QDateTime::currentDateTimeUtc()));
    display::setDateStyle(style);
    display::setShowsUtc(utc);
}

void PreferencesDialog::save()
{
    // Dates apply at once: every pane shows them again (display::Preferences::changed()).
    display::setDateStyle(display::DateStyle(m_dateStyle->currentData().toInt()));
    display::setShowsUtc(m_timeZone->currentData().toBool());
    display::savePreferences();
    const QString code = chosenLanguage();
    if (code == m_initial)
        return;
    language::save(code);
    emit languageSaved(code);
}

} // namespace portcullis
