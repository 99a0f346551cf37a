#include "helpdialogs.h"

#include "messagebox.h"
#include "pane.h"

#include <QAction>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QKeySequence>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTreeWidget>
#include <QUrl>
#include <QVBoxLayout>

namespace portcullis {

namespace {

QTreeWidgetItem* addSection(QTreeWidget* table, const QString& title)
{
    auto* section = new QTreeWidgetItem(table, { title });
    section->setFirstColumnSpanned(true);
    QFont bold = section->font(0);
    bold.setBold(true);
    section->setFont(0, bold);
    section->setFlags(Qt::ItemIsEnabled);
    section->setExpanded(true);
    return section;
}

void addRow(QTreeWidgetItem* section, const QString& keys, const QString& what)
{
    auto* row = new QTreeWidgetItem(section, { keys, what });
    row->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
}

} // namespace

ShortcutsDialog::ShortcutsDialog(Pane* pane, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("shortcutsDialog"));
    setWindowTitle(tr("Keyboard shortcuts"));

    m_table = new QTreeWidget(this);
    m_table->setObjectName(QStringLiteral("shortcutsTable"));
    m_table->setAccessibleName(tr("Keyboard shortcuts"));
    m_table->setColumnCount(2);
    m_table->setHeaderLabels({ tr("Keys"), tr("What they do") });
    m_table->setRootIsDecorated(false);
    m_table->setItemsExpandable(false);
    m_table->setAlternatingRowColors(true);
    m_table->setUniformRowHeights(true);

    QTreeWidgetItem* general = addSection(m_table, tr("Everywhere"));
    const QString native = QKeySequence(QKeySequence::HelpContents).toString(QKeySequence::NativeText);
    const QList<QPair<QString, QString>> rows {
        { tr("Ctrl+1 … Ctrl+7"), tr("go to a section") },
        { tr("Ctrl+F"), tr("find in the current list") },
        { tr("Ctrl+N"), tr("new item") },
        { tr("Delete"), tr("delete the selection") },
        { tr("F5"), tr("refresh") },
        { tr("Ctrl+C"), tr("copy the selected rows") },
        { tr("Menu key or Shift+F10"), tr("context menu of the selection") },
        { tr("Tab, Shift+Tab"), tr("next, previous field; into a list selects its first row") },
        { tr("Ctrl+Return"), tr("submit a dialog from a multi-line field") },
        { tr("Escape"), tr("close a dialog or menu") },
        { native.isEmpty() ? tr("F1") : native, tr("this list") },
    };
    for (const auto& [keys, what] : rows)
        addRow(general, keys, what);

    // The pane's own actions that have a key, as the pane names them (Ctrl+B ban, Ctrl+E export...).
    if (pane) {
        QTreeWidgetItem* own = nullptr;
        QStringList seen;
        for (QAction* action : pane->findChildren<QAction*>()) {
            const QKeySequence key = action->shortcut();
            const QString text = action->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
            const QString keys = key.toString(QKeySequence::NativeText);
            if (key.isEmpty() || text.isEmpty() || seen.contains(keys + text))
                continue;
            seen << keys + text;
            if (!own)
                own = addSection(m_table, tr("In %1").arg(pane->title()));
            addRow(own, keys, text);
        }
    }
    m_table->expandAll();
    m_table->resizeColumnToContents(0);
    m_table->header()->setStretchLastSection(true);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table);
    layout->addWidget(buttons);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    resize(std::max(46 * em, m_table->columnWidth(0) + 30 * em), 30 * fontMetrics().lineSpacing());
}

UserGuideDialog::UserGuideDialog(QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("userGuideDialog"));
    setWindowTitle(tr("Portcullis user guide"));
    m_browser = new QTextBrowser(this);
    m_browser->setObjectName(QStringLiteral("userGuideBrowser"));
    m_browser->setAccessibleName(tr("User guide"));
    // The screenshots resolve inside the resource. Links are followed here: a section of the guide
    // scrolls to it, a web link opens in the desktop's browser, and a link to another document
    // (the operator guide, the API) says where to find it instead of showing an empty page.
    m_browser->setOpenLinks(false);
    m_browser->setSource(QUrl(QStringLiteral("qrc") + QLatin1String(GuideResource)), QTextDocument::MarkdownResource);
    connect(m_browser, &QTextBrowser::anchorClicked, this, &UserGuideDialog::follow);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_browser);
    layout->addWidget(buttons);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('m'));
    resize(70 * em, 44 * fontMetrics().lineSpacing());
}

bool UserGuideDialog::showSection(const QString& anchor)
{
    // Markdown headings carry no anchors in QTextDocument: find the heading whose GitHub-style slug
    // ("Add a tenant" -> "add-a-tenant") is the anchor.
    for (QTextBlock block = m_browser->document()->begin(); block.isValid(); block = block.next()) {
        if (block.blockFormat().headingLevel() == 0)
            continue;
        QString slug;
        for (const QChar c : block.text().toLower()) {
            if (c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('_'))
                slug += c;
            else if (c == QLatin1Char(' '))
                slug += QLatin1Char('-');
        }
        if (slug != anchor)
            continue;
        QTextCursor cursor(block);
        m_browser->setTextCursor(cursor);
        // To the top of the view, not merely into it.
        m_browser->verticalScrollBar()->setValue(m_browser->verticalScrollBar()->maximum());
        m_browser->ensureCursorVisible();
        return true;
    }
    return false;
}

void UserGuideDialog::follow(const QUrl& url)
{
    if (url.scheme() == QLatin1String("http") || url.scheme() == QLatin1String("https")
        || url.scheme() == QLatin1String("mailto")) {
        QDesktopServices::openUrl(url);
        return;
    }
    const bool inGuide = url.path().isEmpty() || url.path().endsWith(QLatin1String("user-guide.md"));
    if (inGuide && showSection(url.fragment()))
        return;
    MessageBox::information(this, tr("Not in the console"),
                            tr("%1 is not built into the console. It is in the docs folder of Portcullis's "
                               "source and on the project's web pages.")
                                .arg(url.fileName().isEmpty() ? url.toString() : url.fileName()));
}

} // namespace portcullis
