#include "preferencesdialog.h"

#include "language.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
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

    auto* form = new QFormLayout;
    form->addRow(tr("&Language:"), m_language);

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

void PreferencesDialog::save()
{
    const QString code = chosenLanguage();
    if (code == m_initial)
        return;
    language::save(code);
    emit languageSaved(code);
}

} // namespace portcullis
