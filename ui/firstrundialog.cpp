#include "firstrundialog.h"

#include "keyboard.h"
#include "policy/policy.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace portcullis {

FirstRunDialog::FirstRunDialog(const QString& path, const QString& email, const QString& password, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("firstRunDialog"));
    setWindowTitle(tr("Create a new Portcullis database"));
    auto* intro = new QLabel(tr("<b>%1</b> does not exist yet. Portcullis will create it with the built-in roles "
                                "and permissions, a first organization and you as its super admin.")
                                 .arg(path.toHtmlEscaped()),
                             this);
    intro->setWordWrap(true);
    intro->setTextFormat(Qt::RichText); // the path in bold, escaped above
    m_organization = new QLineEdit(tr("My Organization"), this);
    m_organization->setObjectName(QStringLiteral("organizationEdit"));
    m_organization->setAccessibleName(tr("Organization name"));
    m_email = new QLineEdit(email, this);
    m_email->setObjectName(QStringLiteral("adminEmailEdit"));
    m_email->setAccessibleName(tr("Super admin email"));
    m_password = new QLineEdit(password, this);
    m_password->setObjectName(QStringLiteral("adminPasswordEdit"));
    m_password->setAccessibleName(tr("Password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_confirm = new QLineEdit(this);
    m_confirm->setObjectName(QStringLiteral("confirmPasswordEdit"));
    m_confirm->setAccessibleName(tr("Repeat the password"));
    m_confirm->setEchoMode(QLineEdit::Password);
    m_policy = new QLabel(this);
    m_policy->setObjectName(QStringLiteral("passwordPolicyLabel"));
    m_policy->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("&Organization:"), m_organization);
    form->addRow(tr("Super admin &email:"), m_email);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(tr("Repeat pass&word:"), m_confirm);
    form->addRow(QString(), m_policy);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    auto* create = m_buttons->addButton(tr("C&reate database"), QDialogButtonBox::AcceptRole);
    create->setObjectName(QStringLiteral("createDatabaseButton"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addLayout(form);
    layout->addWidget(m_buttons);
    keyboard::followVisualOrder(m_buttons);
    for (QLineEdit* edit : { m_organization, m_email, m_password, m_confirm })
        connect(edit, &QLineEdit::textChanged, this, &FirstRunDialog::validate);
    validate();
    setMinimumWidth(480);
}

QString FirstRunDialog::organizationName() const
{
    return m_organization->text().trimmed();
}

QString FirstRunDialog::email() const
{
    return m_email->text().trimmed();
}

QString FirstRunDialog::password() const
{
    return m_password->text();
}

void FirstRunDialog::validate()
{
    QStringList problems = policy::passwordProblems(m_password->text());
    if (m_confirm->text() != m_password->text())
        problems << tr("The two passwords differ");
    if (!policy::validateEmail(email()))
        problems.prepend(tr("Enter a valid email address"));
    if (organizationName().isEmpty())
        problems.prepend(tr("Name the organization"));
    m_policy->setText(problems.isEmpty() ? tr("✓ Ready")
                                         : QStringLiteral("• ") + problems.join(QStringLiteral("\n• ")));
    for (QAbstractButton* b : m_buttons->buttons()) {
        if (m_buttons->buttonRole(b) == QDialogButtonBox::AcceptRole)
            b->setEnabled(problems.isEmpty());
    }
}

} // namespace portcullis
