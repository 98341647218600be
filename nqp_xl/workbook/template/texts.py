"""Every text the workbook writes (sheet names, titles, notes, chart titles, the record
``nqp-xl publish`` leaves on Methods, the titles of the rows above the Data table that reading a
workbook recognises), in English and Chinese.  ``t(key, lang)`` looks one up.

A layer of its own beside ``nqp_xl.labels``: labels holds the headers the functions answer
(keyed by their English text, read by the core and by Excel's functions), this the sheets'
prose (keyed by a name, read by the template and the commands only).  A text is in one of the
two, never both; the Settings rows, which carry their names and meanings together, are in
``contract.SETTINGS``."""
from __future__ import annotations

# Sheet keys in workbook order, with their tab names.  xlwings.conf keeps its name in every
# language (xlwings looks for it by name).
SHEET_NAMES: dict[str, tuple[str, str]] = {
    "overview": ("Overview", "概览"),
    "settings": ("Settings", "设置"),
    "inputs": ("Inputs", "输入数据"),
    "factor": ("Factor analysis", "因子分析"),
    "grades": ("Grades", "等级划分"),
    "composite": ("Composite index", "综合指数"),
    "obstacle": ("Obstacle degree", "障碍度"),
    "coupling": ("Coupling", "耦合协调"),
    "disparity": ("Disparity", "区域差异"),
    "equations": ("Equations", "联立方程"),
    "dynamics": ("Dynamics", "动态演进"),
    "weights_w": ("Weights", "空间权重"),
    "indicators": ("Indicator system", "指标体系"),
    "methods": ("Methods", "方法说明"),
    "conf": ("xlwings.conf", "xlwings.conf"),
}

TEXT: dict[str, tuple[str, str]] = {
    # Settings
    "settings_title": ("nqp-xl settings: these cells drive every sheet", "nqp-xl 设置：以下单元格驱动所有工作表"),
    "setting": ("Setting", "设置项"),
    "value": ("Value", "取值"),
    "meaning": ("Meaning", "说明"),
    "name": ("Name", "名称"),
    # Inputs
    "inputs_note": ("Row 1: + more is better, - less is better. Row 2: subsystem (blank = none). Rows 3-4: the "
                    "indicator's readable name and unit (optional).",
                    "第 1 行：+ 正向，- 负向；第 2 行：所属子系统（留空 = 不属于任何子系统）；第 3、4 行：指标名称与单位（可选）"),
    "direction": ("Direction", "方向"),
    "subsystem": ("Subsystem", "子系统"),
    "label_row": ("Label", "标签"),
    "unit_row": ("Unit", "单位"),
    # Factor analysis
    "fa_title": ("Factor analysis of", "因子分析："),
    "fa_sub": ("principal components, varimax with Kaiser normalization (as SPSS FACTOR)",
               "主成分提取，Kaiser 标准化最大方差旋转（同 SPSS FACTOR）"),
    "n_analysed": ("N analysed", "分析样本数"),
    "left_out": ("Left out (blank cells)", "剔除（含空值）"),
    "none": ("none", "无"),
    "kmo": ("KMO measure of sampling adequacy", "KMO 取样适切性量数"),
    "bartlett": ("Bartlett's test of sphericity", "Bartlett 球形度检验"),
    "describe": ("Descriptive statistics", "描述统计"),
    "corr": ("Correlation matrix", "相关系数矩阵"),
    "msa": ("Measures of sampling adequacy (anti-image diagonal)", "各指标取样适切性（反映像相关对角线）"),
    "communalities": ("Communalities", "公因子方差"),
    "variance": ("Total variance explained", "总方差解释"),
    "component_matrix": ("Component matrix (unrotated)", "成分矩阵（未旋转）"),
    "loadings": ("Rotated component matrix", "旋转后的成分矩阵"),
    "scorecoef": ("Component score coefficient matrix", "成分得分系数矩阵"),
    "factors": ("Factor scores, composite F and rank", "因子得分、综合得分 F 与排名"),
    "chart_scree": ("Scree plot", "碎石图"),
    "chart_loadings": ("Rotated loadings", "旋转后载荷"),
    "chart_scores": ("Composite factor score F by region", "各地区综合因子得分 F"),
    "eigenvalue": ("Eigenvalue", "特征值"),
    # Grades
    "gr_title": ("Grades: k-means on the composite factor score F,", "等级划分：综合因子得分 F 的 k 均值聚类，"),
    "grades": ("Grade of each region", "各地区等级"),
    "count": ("Count", "个数"),
    # Composite index
    "ci_title": ("Composite index: weights, index, TOPSIS, rank within the year and change",
                 "综合指数：权重、指数、TOPSIS、年内排名及变化"),
    "ci_note": ("Weights and min-max bounds pooled over every row of the Data table, so years are comparable.",
                "权重与极差标准化的上下限取自 Data 表全部行（混合截面），不同年份可比。"),
    "weights": ("Indicator weights", "指标权重"),
    "topsis_caption": ("TOPSIS (rank among all rows)", "TOPSIS（全部行中的排名）"),
    "rank_caption": ("Rank in the year", "年内排名"),
    "index": ("Composite index, TOPSIS, rank within the year and change", "综合指数、TOPSIS、年内排名及变化"),
    "index_cs": ("Composite index and TOPSIS", "综合指数与 TOPSIS"),
    "obstacle": ("Obstacle degree (%) of each indicator in", "各指标障碍度（%）："),
    "obstacle_note": ("The share of each indicator in the region's distance from the ideal, with the weights of the "
                      "Composite index settings, over the regions of the year analysed.",
                      "各指标在该地区与理想值差距中所占比重；权重同综合指数设置，样本为分析年份的各地区。"),
    # Coupling
    "cp_title": ("Coupling coordination of the subsystems", "子系统耦合协调度"),
    "cp_note": ("U: composite index of each subsystem (row 2 of Inputs names the subsystems); C, T, D, level, grade, type.",
                "U：各子系统综合指数（由输入数据第 2 行指定子系统）；C、T、D、协调等级、类型。"),
    "cp_table": ("Subsystem indices and coupling coordination of every row", "各行子系统指数与耦合协调度"),
    "d_by_year": ("Mean D by year with its level, mean C and T", "各年 D 均值及协调等级、C 与 T 均值"),
    "d_by_group": ("Mean D by group and year", "各区域各年 D 均值"),
    "chart_d_group": ("Mean coupling coordination degree D by group", "各区域耦合协调度 D 均值"),
    "chart_coupling": ("Coupling coordination degree D by region", "各地区耦合协调度 D"),
    # Disparity
    "ds_title": ("Regional disparity of the composite index", "综合指数的区域差异"),
    "ds_note": ("Groups: the Group column named in Settings; one row per year.",
                "分组：设置中指定的分组列；每年一行。"),
    "gini": ("Dagum Gini coefficient and its decomposition", "Dagum 基尼系数及其分解"),
    "theil": ("Theil index and its decomposition", "泰尔指数及其分解"),
    "chart_gini": ("Dagum Gini decomposition over the years", "Dagum 基尼系数分解的演变"),
    "no_groups": ("(no Group column: name one in Settings to decompose by groups)", "（无分组列：请在设置中指定分组列）"),
    # Equations
    "eq_title": ("Simultaneous equations (as Stata reg3)", "联立方程模型（同 Stata reg3）"),
    "eq_note": ("The system is the Equations setting; y ~ x1 + x2, y = x1 + x2 or Stata's (y x1 x2), ln() allowed.",
                "方程组见设置中的“方程组”；可写 y ~ x1 + x2、y = x1 + x2 或 Stata 的 (y x1 x2)，可用 ln()。"),
    "eq_methods": ("OLS, 2SLS and 3SLS side by side", "OLS、2SLS 与 3SLS 对比"),
    "eq_p_note": ("Stars and parentheses are number formats; each coefficient's p-value is in the columns headed P at the right.",
                  "星号与括号为数字格式；各系数的 p 值见右侧以 P 开头的列。"),
    "eq_panel": ("Panel regression (Settings: panel equation, model, effects, standard errors)",
                 "面板回归（设置：面板回归方程、模型、效应、标准误）"),
    "eq_panel_note": ("As Stata xtreg / R plm; with two-way effects a treat*post column gives the DID estimate.",
                      "同 Stata xtreg / R plm；双向固定效应下加入 treat*post 列即为双重差分（DID）估计。"),
    "eq_panel_none": ("No panel equation: write one in Settings (Panel equation), then refresh.",
                      "未设定面板回归方程：请在设置的“面板回归方程”中写出，然后刷新。"),
    "eq_hausman": ("Hausman test: fixed against random effects", "Hausman 检验：固定效应与随机效应"),
    "eq_sdm": ("Spatial Durbin model with direct, indirect and total effects", "空间杜宾模型及其直接、间接与总效应"),
    "eq_sdm_note": ("The panel equation on the Weights sheet's matrix (row-standardised): a cross-section of the year "
                    "analysed, or the panel with the effects named in Settings (Spatial Durbin effects).",
                    "面板回归方程，空间权重表的矩阵（行标准化）：分析年份的截面，或按设置中“空间杜宾模型效应”估计的面板。"),
    "eq_groups": ("3SLS by group", "分区域 3SLS"),
    "eq_detail": ("3SLS in detail", "3SLS 详细结果"),
    "eq_none": ("No equations: write the system in Settings (Equations), then refresh.",
                "未设定方程：请在设置的“方程组”中写出方程，然后刷新。"),
    # Dynamics
    "dy_title": ("Dynamic evolution and spatial correlation of the composite index", "综合指数的动态演进与空间相关"),
    "kdensity": ("Kernel density by year", "各年核密度"),
    "sigma": ("σ-convergence", "σ 收敛"),
    "beta": ("Absolute β-convergence", "绝对 β 收敛"),
    "markov": ("Markov transition matrix", "马尔可夫转移概率矩阵"),
    "smarkov": ("Spatial Markov transition matrices by the neighbours' class (Rey 2001), with the homogeneity tests",
                "空间马尔可夫转移概率矩阵（按邻域类型，Rey 2001）及同质性检验"),
    "moran": ("Global Moran's I by year", "各年全局 Moran's I"),
    "lisa": ("Local Moran (LISA) of", "局部 Moran（LISA）："),
    "year_axis": ("Year", "年份"),
    "kd_not_printed": ("Below, kept in the workbook but not printed: the density of every year at each grid point (the chart's data).",
                       "以下内容保留在工作簿中但不打印：各年在各网格点上的密度（上图的数据）。"),
    "kd_x": ("Composite index", "综合指数"),
    "kd_y": ("Density", "密度"),
    "chart_kdensity": ("Kernel density of the composite index", "综合指数核密度"),
    "chart_sigma": ("Coefficient of variation over the years", "变异系数的演变"),
    "weights_note": ("Spatial weights: first row and column name the regions; replace with your own matrix.",
                     "空间权重：首行首列为地区名；可替换为自己的矩阵。"),
    "weights_missing": ("The regions are not all in the Weights sheet: paste your own square weights matrix there "
                        "(region names in its first row and column), then refresh.",
                        "部分地区不在“空间权重”表中：请将自己的方阵权重矩阵（首行首列为地区名）粘贴到该表，然后刷新。"),
    "no_year": ("(a cross-section: no Year column, so no tables over years)", "（截面数据：无年份列，故无逐年表格）"),
    # Overview
    "ov_title": ("New quality productive forces", "新质生产力评价"),
    "ov_published": ("published ", "发布日期："),
    "ov_draft": ("draft: not yet published (nqp-xl publish writes the date)", "草稿：尚未发布（nqp-xl publish 写入发布日期）"),
    "ov_glance": ("At a glance", "主要结论"),
    "ov_figure": ("Figure", "指标"),
    "ov_says": ("What it says", "说明"),
    "ov_coverage": ("Region-years analysed", "分析的地区-年份数"),
    "ov_year": ("Year analysed", "分析年份"),
    "ov_left_out": ("Region-years left out", "剔除的地区-年份数"),
    "ov_nothing_left": ("nothing: every region-year is complete", "无：所有地区-年份数据完整"),
    "ov_year_note": ("Factor analysis, grades and the rankings below are of this year (Settings › Year analysed)",
                     "因子分析、等级与下方排名均为该年（设置 › 分析年份）"),
    "ov_kmo": ("KMO (sampling adequacy)", "KMO 取样适切性"),
    "ov_kmo_low": ("; below 0.6: read the factor analysis with caution", "；低于 0.6：因子分析结果需谨慎解读"),
    "ov_factors": ("Factors kept", "保留因子数"),
    "ov_d": ("Mean coupling coordination D", "耦合协调度 D 均值"),
    "ov_gini": ("Gini of the composite index", "综合指数基尼系数"),
    "ov_top": ("Top five regions by composite factor score F in", "综合因子得分 F 前五位地区，"),
    "ov_bottom": ("Bottom five regions by composite factor score F in", "综合因子得分 F 后五位地区，"),
    "ov_chart": ("Composite index of the year analysed, by region", "分析年份各地区综合指数"),
    "ov_chart_series": ("Composite index", "综合指数"),
    "ci_by_year": ("Composite index by region and year", "各地区各年综合指数"),
    "d_by_region": ("Coupling coordination degree D by region and year", "各地区各年耦合协调度 D"),
    "not_printed": ("Below, kept in the workbook but not printed: the figures of every row of the Data table.",
                    "以下明细保留在工作簿中但不打印：Data 表每一行的结果。"),
    "fa_gaps": ("Left out of the year's analysis, and why", "本年分析中剔除的样本及原因"),
    "loadings_sorted": ("Rotated component matrix, sorted by size (|loading| ≥ 0.5 in bold)",
                        "旋转后的成分矩阵（按载荷大小排序，|载荷| ≥ 0.5 加粗）"),
    "communalities_msa": ("Communalities and measures of sampling adequacy (MSA)", "公因子方差与各指标取样适切性（MSA）"),
    "low_flag": ("Values below 0.5 are highlighted: the indicator shares little with the others; consider leaving it out.",
                 "低于 0.5 的值以橙色标出：该指标与其他指标共性较弱，可考虑剔除。"),
    "factors_sorted": ("Regions by composite factor score F (highest first), with the factor scores and rank",
                       "各地区综合因子得分 F（由高到低）、各因子得分与排名"),
    "fa_more": ("Below, kept in the workbook but not printed: the scores in the table's order, descriptives, correlations, "
                "unrotated loadings.", "以下内容保留在工作簿中但不打印：按原表顺序的得分、描述统计、相关矩阵、未旋转载荷。"),
    "gr_lists": ("Regions of each grade", "各等级包含的地区"),
    "cp_rule": ("Type rule: ", "类型判定规则："),
    # Indicator system
    "in_title": ("Indicator system", "评价指标体系"),
    "in_note": ("Each indicator with its subsystem, unit, direction (+ more is better) and its weight in the composite index.",
                "各指标所属子系统、单位、方向（+ 正向）及其在综合指数中的权重。"),
    "in_subsystem": ("Subsystem", "子系统"),
    "in_indicator": ("Indicator", "指标"),
    "in_unit": ("Unit", "单位"),
    "in_weight": ("Weight", "权重"),
    "in_column": ("Column in the data", "数据列名"),
    # Methods
    "me_title": ("Methods: what each figure means", "方法说明：各项结果的含义"),
    "version": ("nqp-xl version", "nqp-xl 版本"),
    "digest": ("SHA-256 of the input table", "输入表 SHA-256 摘要"),
    "digest_note": ("(written by nqp-xl publish)", "（由 nqp-xl publish 写入）"),
    # what nqp-xl publish writes on Methods
    "record_published": ("Published with nqp-xl", "发布所用 nqp-xl 版本"),
    "record_settings": ("Settings", "设置"),
    "record_digest": ("Input SHA-256", "输入表 SHA-256"),
    "record_note": ("SHA-256 of the Data table: header and data rows, cells tab-separated, rows newline-separated, "
                    "UTF-8", "Data 表（表头和数据行）的 SHA-256：单元格以制表符分隔，行以换行分隔，UTF-8 编码"),
    "sheet": ("Sheet", "工作表"),
    "figure": ("Figure", "结果"),
    "formula": ("Formula", "公式"),
}


def t(key: str, lang: str) -> str:
    en, zh = TEXT[key]
    return zh if lang == "zh" else en


def sheet_name(key: str, lang: str) -> str:
    en, zh = SHEET_NAMES[key]
    return zh if lang == "zh" else en
