package demo

import (
	"context"

	"github.com/datagate/datagate/domain"
)

// The demo users (store.DemoUsers) who act here.
const (
	fintech   = "applicant"  // 恒信数智金融科技有限公司
	medical   = "applicant2" // 康明医疗人工智能科技有限公司
	logistics = "applicant3" // 通衢智慧物流科技有限公司
	bdc       = "initial_reviewer"
	bureau    = "bureau_officer"
	operator  = "operator"
)

// reviewer is the demo reviewer of a provider department: the lead
// department's dept_reviewer, otherwise reviewer-<org>.
func reviewer(org string) string {
	if org == "samr" {
		return "dept_reviewer"
	}
	return "reviewer-" + org
}

// demoCase is one demo application: its applicant, its fields, and the
// steps that take it to the stage it waits in.
type demoCase struct {
	applicant string
	fields    fields
	submit    bool
	stage     string
	then      func(ctx context.Context, s *Seeder, id uint64) error
}

func (c demoCase) run(ctx context.Context, s *Seeder) (uint64, error) {
	id, err := s.create(ctx, c.applicant, c.fields, c.submit)
	if err != nil || c.then == nil {
		return id, err
	}
	return id, c.then(ctx, s, id)
}

// steps runs each step in turn.
func steps(fns ...func(ctx context.Context, s *Seeder, id uint64) error) func(ctx context.Context, s *Seeder, id uint64) error {
	return func(ctx context.Context, s *Seeder, id uint64) error {
		for _, fn := range fns {
			if err := fn(ctx, s, id); err != nil {
				return err
			}
		}
		return nil
	}
}

func decide(user, kind string, body map[string]any) func(ctx context.Context, s *Seeder, id uint64) error {
	return func(ctx context.Context, s *Seeder, id uint64) error { return s.decide(ctx, user, id, kind, body) }
}

func act(user, action string, body any) func(ctx context.Context, s *Seeder, id uint64) error {
	return func(ctx context.Context, s *Seeder, id uint64) error { return s.act(ctx, user, id, action, body) }
}

// pass is the big-data center's initial review, passed.
var pass = decide(bdc, domain.TaskInitialReview, map[string]any{"decision": domain.DecisionPass,
	"comment": "材料齐全，场景明确，数据需求与用途相符，同意推送数据提供部门审核"})

// approve is a department's review of its datasets, approved.
func approve(orgs ...string) func(ctx context.Context, s *Seeder, id uint64) error {
	var fns []func(ctx context.Context, s *Seeder, id uint64) error
	for _, org := range orgs {
		fns = append(fns, decide(reviewer(org), domain.TaskDepartmentReview, map[string]any{"decision": domain.DecisionApprove,
			"comment": "经审核，申请数据在本部门职责范围内，安全措施可行，同意按申请范围授权使用"}))
	}
	return steps(fns...)
}

var sign = map[string]any{"decision": domain.DecisionSign}

// signed are the agreements: the authorization (bureau, operator) and the
// commitment (applicant), then the service agreement (operator,
// applicant), then the bureau's filing; the authorization is then active.
func signed(applicant string) func(ctx context.Context, s *Seeder, id uint64) error {
	return steps(
		decide(bureau, domain.TaskSignAuthorization, sign),
		decide(operator, domain.TaskSignAuthorization, sign),
		decide(applicant, domain.TaskSignCommitment, sign),
		decide(operator, domain.TaskSignService, sign),
		decide(applicant, domain.TaskSignService, sign),
		decide(bureau, domain.TaskFileService, map[string]any{"decision": domain.DecisionFile}),
	)
}

// active takes a submitted application to an active authorization.
func active(applicant string, orgs ...string) func(ctx context.Context, s *Seeder, id uint64) error {
	return steps(pass, approve(orgs...), signed(applicant))
}

// cases are the demo applications, in the order they are made: every demo
// user has work waiting once they are (the README lists who finds what).
var cases = []demoCase{{
	applicant: fintech, stage: domain.StatusDraft,
	fields: fields{Title: "供应链金融应收账款真实性核验", Domain: "普惠金融",
		Description: "为核心企业上游中小供应商提供应收账款融资，需核验贸易背景与企业经营状况。",
		Purpose:     "核验融资申请企业的招投标中标记录与工商登记信息，识别虚构贸易背景",
		Scope:       "本市登记注册、申请应收账款融资的中小企业", PeriodMonths: 12, AccessMode: "api",
		SecurityControls: "接口调用白名单与频次限制；调用日志留存一年；结果仅用于授信审查，不对外提供",
		Datasets:         []string{"DS-0120", "DS-0114"}},
}, {
	applicant: logistics, stage: domain.StatusInitialReview, submit: true,
	fields: fields{Title: "城市配送车辆路径优化", Domain: "交通出行",
		Description: "基于企业空间分布与楼栋信息优化末端配送路径，减少城市道路拥堵与车辆空驶。",
		Purpose:     "测算配送需求热力分布，规划配送站点与车辆路径",
		Scope:       "本区范围内的城市末端配送业务", PeriodMonths: 24, AccessMode: "sandbox",
		SecurityControls: "数据在安全沙箱内加工，仅导出聚合到网格的统计结果；访问全程审计",
		Datasets:         []string{"DS-0109", "DS-0107"}},
}, {
	applicant: medical, stage: domain.StatusSupplement, submit: true,
	fields: fields{Title: "基层慢病管理辅助决策", Domain: "医疗健康",
		Description: "为社区卫生服务中心提供高血压、糖尿病患者随访风险分层与干预建议。",
		Purpose:     "训练慢病风险分层模型，辅助基层医生确定随访频次",
		Scope:       "本市社区卫生服务中心签约的慢病患者", PeriodMonths: 36, AccessMode: "sandbox",
		SecurityControls: "数据不出安全域；模型训练在隔离环境进行",
		Datasets:         []string{"DS-0104"}},
	then: decide(bdc, domain.TaskInitialReview, map[string]any{"decision": domain.DecisionReturn,
		"reason": "安全措施未说明个人健康信息的去标识化规则与访问审计方式，请补充数据脱敏方案和安全管理制度"}),
}, {
	applicant: logistics, stage: domain.StatusRejected, submit: true,
	fields: fields{Title: "网约车驾驶员信用画像", Domain: "交通出行",
		Description: "为平台企业提供驾驶员准入与信用评估服务。",
		Purpose:     "结合人口与社保信息形成驾驶员个人信用画像",
		Scope:       "本市注册网约车驾驶员", PeriodMonths: 24, AccessMode: "sandbox",
		SecurityControls: "沙箱内建模，结果以评分形式输出",
		Datasets:         []string{"DS-0110"}},
	then: decide(bdc, domain.TaskInitialReview, map[string]any{"decision": domain.DecisionReject,
		"reason": "申请以个人画像向第三方平台提供评分，超出公共数据授权运营的场景范围，且人口数据为非开放数据",
		"basis":  "《龙华区公共数据资源授权运营实施方案（试行）》九(一)“原始数据不出域，数据可用不可见”；《广州市公共数据开放管理办法》第九条"}),
}, {
	applicant: fintech, stage: domain.StatusDepartmentReview, submit: true,
	fields: fields{Title: "小微企业信贷风控", Domain: "普惠金融",
		Description: "为本市小微企业提供纯信用贷款，需要评估企业经营与合规情况。",
		Purpose:     "授信评估与贷后风险预警",
		Scope:       "本市注册的小微企业", PeriodMonths: 24, AccessMode: "sandbox",
		SecurityControls: "沙箱隔离，结果脱敏；模型输出仅含企业评分；操作日志留存三年",
		Datasets:         []string{"DS-0100", "DS-0102", "DS-0113"}},
	then: pass,
}, {
	applicant: fintech, stage: domain.StatusDepartmentReview, submit: true,
	fields: fields{Title: "普惠金融反欺诈识别", Domain: "普惠金融",
		Description: "识别虚构经营、骗取贷款等欺诈行为，降低普惠贷款不良率。",
		Purpose:     "结合企业用电与金融数据识别空壳企业和异常经营",
		Scope:       "申请普惠贷款的本市企业", PeriodMonths: 24, AccessMode: "model-result",
		SecurityControls: "仅获取模型结果，不接触原始数据；模型由数据运营方托管",
		Datasets:         []string{"DS-0121", "DS-0119"}},
	then: steps(pass, decide(reviewer("commerce"), domain.TaskDepartmentReview, map[string]any{
		"decision": domain.DecisionAskRegulator, "regulator": "nfra",
		"comment": "金融数据涉及金融机构客户信息，请金融监管部门就使用范围出具意见"})),
}, {
	applicant: medical, stage: domain.StatusAgreements, submit: true,
	fields: fields{Title: "商业健康险快速理赔", Domain: "医疗健康",
		Description: "患者授权后，保险公司在线核验医疗证明与费用证明，缩短理赔周期。",
		Purpose:     "核验理赔所需的医疗证明及费用证明",
		Scope:       "本市公立医疗机构就诊、已授权的参保人", PeriodMonths: 24, AccessMode: "sandbox",
		SecurityControls: "逐笔核验须有参保人授权；核验结果仅返回真伪；访问留痕可追溯",
		Datasets:         []string{"DS-0105"}},
	then: steps(pass, approve("health")),
}, {
	applicant: fintech, stage: domain.StatusActive, submit: true,
	fields: fields{Title: "惠企政策精准匹配", Domain: "普惠金融",
		Description: "根据企业画像向企业推送可申报的补贴政策，提升政策兑现效率。",
		Purpose:     "分析历年惠企补贴与招投标数据，构建政策匹配模型",
		Scope:       "本区规模以上企业", PeriodMonths: 24, AccessMode: "sandbox",
		SecurityControls: "沙箱内建模；模型上线前报主管部门审查",
		Datasets:         []string{"DS-0100", "DS-0120"}},
	then: steps(active(fintech, "gsa"), act(fintech, "models", map[string]any{
		"name": "惠企政策匹配模型", "description": "输入企业行业与规模特征，输出可申报政策清单与匹配度，不含个人信息"})),
}, {
	applicant: logistics, stage: domain.StatusActive, submit: true,
	fields: fields{Title: "城市货运碳排放监测", Domain: "生态环境",
		Description: "测算货运车队能耗与碳排放，支撑绿色物流改造。",
		Purpose:     "按月测算本企业车队与园区的能耗与碳排放",
		Scope:       "本企业车队及合作物流园区", PeriodMonths: 12, AccessMode: "sandbox",
		SecurityControls: "沙箱内分析，仅导出园区级统计值",
		Datasets:         []string{"DS-0118"}},
	then: steps(active(logistics, "eco"), act(bureau, "evaluations", map[string]any{"reason": "年度数据使用情况抽查"})),
}, {
	applicant: fintech, stage: domain.StatusExiting, submit: true,
	fields: fields{Title: "跨境贸易融资风险评估", Domain: "商贸流通",
		Description: "为外贸企业提供订单融资，评估进出口贸易真实性。",
		Purpose:     "核验企业进出口报关记录，评估融资风险",
		Scope:       "本区进出口企业", PeriodMonths: 24, AccessMode: "sandbox",
		SecurityControls: "沙箱隔离；结果仅用于本机构授信",
		Datasets:         []string{"DS-0117"}},
	then: steps(active(fintech, "commerce"), act(bureau, "terminate", map[string]any{
		"reason": "经核查，被授权方将海关数据加工结果提供给未经授权的第三方机构",
		"basis":  "授权协议第六条；《龙华区公共数据资源授权运营实施方案（试行）》六(二)2 不得再授权"})),
}, {
	applicant: medical, stage: domain.StatusClosed, submit: true,
	fields: fields{Title: "景区客流预测与疏导", Domain: "文化旅游",
		Description: "预测节假日重点景区客流，为景区限流和交通疏导提供建议。",
		Purpose:     "基于文旅数据训练客流预测模型",
		Scope:       "本区 A 级景区", PeriodMonths: 12, AccessMode: "sandbox",
		SecurityControls: "沙箱内建模，仅导出景区级预测值",
		Datasets:         []string{"DS-0129"}},
	then: steps(active(medical, "culture"),
		act(bureau, "evaluations", map[string]any{"reason": "年度评估"}),
		decide(medical, domain.TaskSelfEvaluation, map[string]any{"decision": domain.DecisionSubmit,
			"comment": "已按约定范围使用数据，模型已部署于景区指挥中心"}),
		decide(bureau, domain.TaskRateEvaluation, map[string]any{"decision": domain.DecisionUnqualified,
			"reason": "评估发现模型输出被用于商业营销推送，超出约定用途",
			"basis":  "授权协议第四条；《龙华区公共数据资源授权运营实施方案（试行）》十(三)"}),
		decide(medical, domain.TaskExitConfirmation, map[string]any{"decision": domain.DecisionConfirm,
			"comment": "数据已于安全域内删除，衍生模型已销毁，附销毁记录"}),
		decide(bureau, domain.TaskExitVerification, map[string]any{"decision": domain.DecisionVerify})),
}, {
	applicant: medical, stage: domain.StatusWithdrawn, submit: true,
	fields: fields{Title: "医学影像 AI 辅助诊断模型训练", Domain: "医疗健康",
		Description: "利用脱敏后的放射影像数据训练肺结节辅助诊断模型。",
		Purpose:     "训练与验证肺结节检出模型",
		Scope:       "本区公立医院放射影像", PeriodMonths: 36, AccessMode: "sandbox",
		SecurityControls: "原始数据不出域，模型在安全环境内训练",
		Datasets:         []string{"DS-0103"}},
	then: steps(pass, act(medical, "withdraw", map[string]any{"reason": "项目方案调整，改为与医院合作开展，暂不申请"})),
}}
